"""Users, tokens and the caller: ``UserCreate`` / ``UserPublic``, ``TokenCreate`` /
``TokenPublic`` (``TokenCreatedPublic`` carries the secret, once) and ``MePublic``. No schema
ever carries a token's hash or secret (but that once), nor a password or its hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from access.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from access.principal import Principal, Role
from access.queries import TokenRecord, UserRecord
from access.services import MAX_TOKEN_DAYS, IssuedToken
from api.schemas.bounds import BodyId


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="user the token belongs to")
    role: Role
    facility_id: BodyId | None = Field(
        default=None, description="scope: this existing facility and its subtree (staff, viewer)"
    )
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TOKEN_DAYS,
        description="lifetime; null: the role's default (staff: COLDCHAIN_STAFF_TOKEN_DAYS,"
        " others: never expires)",
    )


class TokenPublic(BaseModel):
    id: int
    user_id: int
    name: str
    role: Role
    facility_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="null: never expires")
    created_by: str | None = Field(description="who issued it: a user name, or cli; null: unknown")
    last_used_at: datetime | None = Field(description="to the minute; null: never used")

    @classmethod
    def of(cls, record: TokenRecord) -> TokenPublic:
        return cls(
            id=record.id,
            user_id=record.user_id,
            name=record.name,
            role=record.role,
            facility_id=record.facility_id,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            expires_at=record.expires_at,
            created_by=record.created_by,
            last_used_at=record.last_used_at,
        )


class TokenCreatedPublic(TokenPublic):
    token: str = Field(description="the secret; shown only in this answer, store it now")

    @classmethod
    def issued(cls, issued: IssuedToken) -> TokenCreatedPublic:
        return cls(**TokenPublic.of(issued.record).model_dump(), token=issued.secret)


class MePublic(BaseModel):
    user_id: int
    name: str
    role: Role
    token_id: int | None = Field(description="null: signed in with a password, not a token")
    facility_id: int | None = Field(description="scope root; null: not scoped")
    scope_path: str | None = Field(description="materialized path of the scope facility")
    read_only: bool
    expires_at: datetime | None = Field(description="when this token stops working; null: never")

    @classmethod
    def of(cls, principal: Principal) -> MePublic:
        return cls(
            user_id=principal.user_id,
            name=principal.name,
            role=principal.role,
            token_id=principal.token_id,
            facility_id=principal.facility_id,
            scope_path=principal.scope_path,
            read_only=principal.role is Role.VIEWER,
            expires_at=principal.expires_at,
        )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="unique; never renamed")
    role: Role
    facility_id: BodyId | None = Field(
        default=None,
        description="scope: this existing facility and its subtree (supervisor, staff, viewer;"
        " required for supervisor and staff, refused for admin)",
    )
    password: str | None = Field(
        default=None,
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="stored as an Argon2id hash only; null: the user signs in with tokens only",
    )


class UserPublic(BaseModel):
    id: int
    name: str
    role: Role
    facility_id: int | None = Field(description="scope root; null: not scoped")
    created_at: datetime
    created_by: str | None = Field(description="a user name, or cli; null: unknown")
    has_password: bool
    disabled_at: datetime | None = Field(description="null: active; a disabled user stays")
    disabled_by: str | None
    last_used_at: datetime | None = Field(description="by a token or password, to the minute")

    @classmethod
    def of(cls, record: UserRecord) -> UserPublic:
        return cls(
            id=record.id,
            name=record.name,
            role=record.role,
            facility_id=record.facility_id,
            created_at=record.created_at,
            created_by=record.created_by,
            has_password=record.has_password,
            disabled_at=record.disabled_at,
            disabled_by=record.disabled_by,
            last_used_at=record.last_used_at,
        )
