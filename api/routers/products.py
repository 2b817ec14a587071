"""Products (vaccine presentations): the catalogue. Admins add to it; anyone reads it."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import AdminPrincipal, CurrentPrincipal, Deps
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.registry import ProductCreate, ProductPublic
from inventory import queries, services
from inventory.commands import CreateProduct

router = APIRouter(prefix="/products", tags=["registry"], responses=error_responses(401, 422))


@router.post(
    "",
    response_model=ProductPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE, **error_responses(403)},
)
def create_product(body: ProductCreate, deps: Deps, _admin: AdminPrincipal) -> ProductPublic:
    command = CreateProduct(
        code=body.code,
        name=body.name,
        manufacturer=body.manufacturer,
        doses_per_vial=body.doses_per_vial,
        profile=body.profile,
        freeze_sensitive=body.freeze_sensitive,
        gtin=body.gtin,
    )
    return ProductPublic.of(services.create_product(deps.inventory_uow(), command))


@router.get("/gtin/{gtin}", response_model=ProductPublic, responses=error_responses(404))
def product_by_gtin(gtin: str, deps: Deps, _who: CurrentPrincipal) -> ProductPublic:
    return ProductPublic.of(queries.product_by_gtin(deps.inventory_uow(), gtin))


@router.get("/{product_id}", response_model=ProductPublic, responses=error_responses(404))
def get_product(product_id: Id, deps: Deps, _who: CurrentPrincipal) -> ProductPublic:
    return ProductPublic.of(queries.get_product(deps.inventory_uow(), product_id))
