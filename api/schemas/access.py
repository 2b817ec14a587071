"""Tokens and the caller: ``TokenCreate`` / ``TokenPublic`` (``TokenCreatedPublic`` carries the
secret, once) and ``MePublic``. No schema ever carries a token's hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from access.principal import Principal, Role
from access.queries import TokenRecord
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
    token_id: int
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
