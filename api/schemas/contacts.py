"""Alarm contacts: who hears about a facility's alarms (``ContactCreate`` in,
``ContactPublic`` out). A webhook's signing secret goes in and never comes out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.notify.contacts import Contact


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["webhook", "mqtt", "email"]
    address: str = Field(
        min_length=1,
        max_length=500,
        description="an http(s) URL, an MQTT topic or an e-mail address, as the channel needs",
        examples=["https://clinic.example.org/alarms"],
    )
    name: str = Field(min_length=1, max_length=200, examples=["Clinic duty phone"])
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description=(
            "webhooks only: the signing secret (Standard Webhooks), whsec_<base64> or a"
            " string of 16 to 200 characters; stored sealed, never shown again. Omitted when"
            " adding a contact again: the stored secret is kept"
        ),
    )
    clear_secret: bool = Field(
        default=False, description="webhooks only: erase the stored secret (requests unsigned)"
    )


class ContactPublic(BaseModel):
    id: int
    facility_code: str
    channel: str
    address: str
    name: str
    active: bool = Field(description="false once removed (kept for the delivery history)")
    has_secret: bool

    @classmethod
    def of(cls, contact: Contact) -> ContactPublic:
        return cls(
            id=contact.id,
            facility_code=contact.facility_code,
            channel=contact.channel,
            address=contact.address,
            name=contact.name,
            active=contact.active,
            has_secret=contact.has_secret,
        )
