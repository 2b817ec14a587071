"""What the ledger talks about: facilities, storage units and products (``XCreate`` in,
``XPublic`` out). Validation of codes, levels, zones and profiles is the ledger's (422)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.bounds import BodyId, DosesPerVial, Flag
from inventory.results import FacilityView, ProductView, StorageUnitView


class FacilityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, examples=["GD-C1-K1"])
    name: str = Field(min_length=1, max_length=200)
    level: str = Field(
        description="province, city, county, township, clinic or mobile_team", examples=["county"]
    )
    timezone: str = Field(description="IANA time zone of the local day", examples=["Asia/Shanghai"])
    parent_id: BodyId | None = Field(default=None, description="null: a root (admin only)")


class FacilityPublic(BaseModel):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    timezone: str
    path: str = Field(description="ids from the root down, e.g. /1/4/17/")

    @classmethod
    def of(cls, view: FacilityView) -> FacilityPublic:
        return cls(
            id=view.id,
            code=view.code,
            name=view.name,
            level=view.level,
            parent_id=view.parent_id,
            timezone=view.timezone,
            path=view.path,
        )


class StorageUnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, examples=["GD-C1-K1-F1"])
    facility_id: BodyId
    kind: str = Field(description="fridge, freezer, cold_room or cold_box", examples=["fridge"])
    profile: str = Field(default="2-8", description="2-8, freezer or ultracold")
    name: str = ""


class StorageUnitPublic(BaseModel):
    id: int
    code: str
    facility_id: int
    kind: str
    profile: str
    name: str

    @classmethod
    def of(cls, view: StorageUnitView) -> StorageUnitPublic:
        return cls(
            id=view.id,
            code=view.code,
            facility_id=view.facility_id,
            kind=view.kind,
            profile=view.profile,
            name=view.name,
        )


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, examples=["MMR"])
    name: str = Field(min_length=1, max_length=200)
    manufacturer: str = Field(min_length=1, max_length=200)
    doses_per_vial: DosesPerVial
    profile: str = "2-8"
    freeze_sensitive: Flag = False
    gtin: str | None = Field(default=None, description="GTIN-14 with its check digit")


class ProductPublic(BaseModel):
    id: int
    code: str
    name: str
    manufacturer: str
    gtin: str | None
    doses_per_vial: int
    profile: str
    freeze_sensitive: bool

    @classmethod
    def of(cls, view: ProductView) -> ProductPublic:
        return cls(
            id=view.id,
            code=view.code,
            name=view.name,
            manufacturer=view.manufacturer,
            gtin=view.gtin,
            doses_per_vial=view.doses_per_vial,
            profile=view.profile,
            freeze_sensitive=view.freeze_sensitive,
        )
