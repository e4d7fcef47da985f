"""The agents' CRM: customers, their phones and vehicles, contacts (B2, B3, B6, B12)."""
