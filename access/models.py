"""SQLAlchemy rows of access: users, their role, scope and password, and their API tokens.

Invariants: a password is stored only as its Argon2id hash (``password_hash``; NULL: the
user signs in with tokens only); a user is disabled, never deleted (``disabled_at`` and
``disabled_by`` set together), and a disabled user's tokens and password let nobody in;
users and tokens record who created them (``created_by``: a user name, or ``cli``) and when
they were last used (``last_used_at``, written at most once a minute so that a request is
not a write). A token is stored only as the SHA-256 hex digest of its secret (the secret is
shown once, at creation); a revoked token keeps its row (``revoked_at`` set) so that its
history stays; a token with ``expires_at`` is refused from that instant on (NULL: it never
expires). A failed sign-in leaves one ``sign_in_failures`` row per key it counts against
(the account's name, the caller's address), named by a SHA-256 digest so that what was
typed is not stored; rows older than the throttle's window are deleted. A user's scope is a
facility id of the inventory ledger, stored without a foreign key because the ledger's
tables live on another package's metadata; an id that names no facility scopes the user to
nothing (access is denied, never widened). Admins have no scope; staff always have one;
viewers may have one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit import naming
from kit.columns import UTCDateTime


class Base(DeclarativeBase):
    metadata = naming.metadata()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'supervisor', 'staff', 'viewer')", name="role"),
        CheckConstraint(
            "role NOT IN ('staff', 'supervisor') OR facility_id IS NOT NULL", name="staff_scoped"
        ),
        CheckConstraint("role <> 'admin' OR facility_id IS NULL", name="admin_unscoped"),
        CheckConstraint(
            "(disabled_at IS NULL) = (disabled_by IS NULL)", name="disabled_by_someone"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    # inventory's facilities.id; no foreign key across packages' metadata (see docstring)
    facility_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(100))  # NULL: before 0021
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_by: Mapped[str | None] = mapped_column(String(100))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(100))  # NULL: before 0021
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInFailure(Base):
    """One failed sign-in against one key (``name:...`` or ``addr:...``, as its SHA-256 hex
    digest), shared by every process on the database; older than the window: deleted."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_hash_failed_at", "key_hash", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
