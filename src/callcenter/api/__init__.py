"""The REST API (REQUIREMENTS A13, B4): tickets and work orders for other systems and
scripts. One place for authentication (`api.auth`), the error format (`api.errors`) and
the OpenAPI 3.1 document (`api.openapi`, served at ``/api/openapi.json``)."""
