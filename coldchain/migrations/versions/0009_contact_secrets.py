"""Webhook secrets sealed at rest: ``alarm_contacts.secret`` (plain) becomes
``sealed_secret`` (Fernet under COLDCHAIN_SECRET_KEY).

Existing plain secrets are sealed on upgrade with the key ``coldchain db upgrade`` passes in
(``db.upgrade(url, secret_key=...)``, from COLDCHAIN_SECRET_KEY; several comma-separated
keys: the first seals). Without a key, the upgrade stops if any plain secret exists (it
neither keeps it readable nor throws it away); with none stored, no key is needed.
Downgrade opens them again with the key, under the same rule.

Revision ID: 0009_contact_secrets
Revises: 0008_shipment_idempotency
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet

revision: str = "0009_contact_secrets"
down_revision: str | None = "0008_shipment_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_contacts = sa.table(
    "alarm_contacts",
    sa.column("id", sa.Integer),
    sa.column("secret", sa.String),
    sa.column("sealed_secret", sa.Text),
)


def _fernet(count: int, verb: str) -> MultiFernet:
    config = op.get_context().config
    text = config.attributes.get("secret_key") if config is not None else None
    keys = [k.strip() for k in (text or "").split(",") if k.strip()]
    if not keys:
        raise RuntimeError(
            f"{count} webhook secret(s) are stored in alarm_contacts: set COLDCHAIN_SECRET_KEY"
            f" (a Fernet key, see ingest/notify/README.md) to {verb} them, then run the"
            " upgrade again"
        )
    return MultiFernet([Fernet(k.encode()) for k in keys])


def upgrade() -> None:
    op.add_column("alarm_contacts", sa.Column("sealed_secret", sa.Text(), nullable=True))
    conn = op.get_bind()
    plain = conn.execute(
        sa.select(_contacts.c.id, _contacts.c.secret).where(_contacts.c.secret.is_not(None))
    ).all()
    if plain:
        fernet = _fernet(len(plain), "seal")
        for contact_id, secret in plain:
            conn.execute(
                _contacts.update()
                .where(_contacts.c.id == contact_id)
                .values(sealed_secret=fernet.encrypt(secret.encode()).decode("ascii"))
            )
    with op.batch_alter_table("alarm_contacts") as batch:
        batch.drop_column("secret")


def downgrade() -> None:
    op.add_column("alarm_contacts", sa.Column("secret", sa.String(length=200), nullable=True))
    conn = op.get_bind()
    sealed = conn.execute(
        sa.select(_contacts.c.id, _contacts.c.sealed_secret).where(
            _contacts.c.sealed_secret.is_not(None)
        )
    ).all()
    if sealed:
        fernet = _fernet(len(sealed), "open")
        for contact_id, token in sealed:
            conn.execute(
                _contacts.update()
                .where(_contacts.c.id == contact_id)
                .values(secret=fernet.decrypt(token.encode("ascii")).decode())
            )
    with op.batch_alter_table("alarm_contacts") as batch:
        batch.drop_column("sealed_secret")
