"""Builds the running pieces from settings: engine, unit-of-work factories, the API app."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from coldchain.settings import Settings


def build_app(settings: Settings) -> FastAPI:
    return create_app()
