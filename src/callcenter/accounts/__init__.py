"""Accounts: users identified by 工号 (agent ID), their roles, units and handlers,
login with an extension, lockout, login history and the audit trail."""
