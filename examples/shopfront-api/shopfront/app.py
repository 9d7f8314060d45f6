"""FastAPI application exposing the public shop API.

Browsers load the storefront from the marketing domains listed in
``SHOPFRONT_ORIGINS``; the partner API is embedded by resellers' dashboards and
the widget API is a read-only feed that any site may embed.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from .repository import ProductRepository, get_repository

logger = logging.getLogger(__name__)

ALLOWED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get(
        "SHOPFRONT_ORIGINS", "https://shop.example.com,https://www.example.com"
    ).split(",")
    if origin.strip()
]

app = FastAPI(title="shopfront", version="2.3.0")

app.add_middleware(
    CORSMiddleware,
    allow_origins=ALLOWED_ORIGINS,
    allow_credentials=True,
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["*"],
)

partner_api = FastAPI(title="shopfront partner API")

# Resellers embed this from many domains, so origins are wide open ("*").
partner_api.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["GET"],
    allow_headers=["Authorization", "Content-Type"],
)

widget_api = FastAPI(title="shopfront widget feed")

widget_api.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_methods=["*"],
    allow_headers=["Content-Type", "Authorization"],
)


class CartItem(BaseModel):
    product_id: int
    quantity: int = 1


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/products/{product_id}")
async def read_product(
    product_id: int, repo: ProductRepository = Depends(get_repository)
) -> dict[str, Any]:
    product = await repo.find_product(product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    return product


@app.get("/products/{product_id}/price")
async def read_price(
    product_id: int, repo: ProductRepository = Depends(get_repository)
) -> dict[str, Any]:
    return {"product_id": product_id, "price": await repo.price_of(product_id)}


@app.post("/carts/{cart_id}/items")
async def add_to_cart(
    cart_id: int, item: CartItem, repo: ProductRepository = Depends(get_repository)
) -> dict[str, Any]:
    total = await repo.add_cart_item(cart_id, item.product_id, item.quantity)
    logger.info("cart %s now totals %s", cart_id, total)
    return {"cart_id": cart_id, "total": total}


@partner_api.get("/stock")
async def partner_stock(repo: ProductRepository = Depends(get_repository)) -> dict[str, int]:
    return {"in_stock": await repo.count_in_stock()}


@widget_api.get("/featured")
async def featured(repo: ProductRepository = Depends(get_repository)) -> list[dict[str, Any]]:
    return await repo.featured_products()


app.mount("/partner", partner_api)
app.mount("/widget", widget_api)
