"""access: who may see and do what. Users, their passwords and API tokens, roles, the
principal of a request and the facility-scope rules.

Imports only ``kit``; the facility tree it checks scopes against comes in through the
ports of ``access.ports``, which the composition root (``coldchain``) adapts to the ledger.
"""
