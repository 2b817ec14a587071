"""Every package's table metadata, gathered for Alembic and for the schema-drift test."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> list[MetaData]:
    import access.models
    import ingest.models
    import inventory.models
    import kit.lease

    return [
        inventory.models.Base.metadata,
        access.models.Base.metadata,
        ingest.models.Base.metadata,
        kit.lease.Base.metadata,
    ]
