"""The constraint naming convention of every table (stable names for Alembic).

Each room's ``models.Base`` builds its ``MetaData`` with :func:`metadata`, so a constraint has
the same name whichever room owns its table, and a migration can drop it by name.
"""

from __future__ import annotations

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def metadata() -> MetaData:
    """A fresh ``MetaData`` with the house naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)
