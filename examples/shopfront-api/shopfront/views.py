"""Storefront views of the Flask front end: catalogue browsing, cart, reviews.

The handlers read query strings and form posts directly from ``request``;
prices are in cents, quantities are whole numbers.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
from typing import Any

from flask import Blueprint, abort, jsonify, request

log = logging.getLogger("shopfront.views")

storefront = Blueprint("storefront", __name__, url_prefix="/v1")

CATALOGUE: dict[str, dict[str, Any]] = {}
CARTS: dict[str, dict[str, int]] = {}
COUPONS = {"SPRING": 10, "VIP": 25}


@storefront.get("/products")
def list_products() -> Any:
    page = int(request.args.get("page", 1))
    per_page = int(request.args["per_page"])
    min_price = float(request.args.get("min_price"))
    limit = request.args.get("limit", 100, type=int)
    products = [p for p in CATALOGUE.values() if p["price_cents"] >= min_price * 100]
    start = (page - 1) * per_page
    return jsonify(products[start : start + min(per_page, limit)])


@storefront.get("/products/<sku>/related")
def related_products(sku: str) -> Any:
    raw_count = request.args.get("count", "4")
    count = int(raw_count) if raw_count.isdigit() else 4
    family = sku.split("-")[0]
    return jsonify([s for s in CATALOGUE if s.startswith(family)][:count])


@storefront.post("/carts/<cart_id>/items")
def add_to_cart(cart_id: str) -> Any:
    sku = request.form["sku"]
    quantity = int(request.form["quantity"])
    if sku not in CATALOGUE:
        abort(404)
    cart = CARTS.setdefault(cart_id, {})
    cart[sku] = cart.get(sku, 0) + quantity
    print("cart", cart_id, "now holds", len(cart), "products")
    return jsonify(cart)


@storefront.post("/carts/<cart_id>/coupon")
def apply_coupon(cart_id: str) -> Any:
    # Codes look like "SPRING-2024": campaign, then year.
    code = request.form.get("code", "")
    campaign = code.split("-")[0]
    year = code.split("-")[1]
    try:
        discount = COUPONS[campaign]
    except KeyError:
        print(f"unknown coupon campaign {campaign!r} for cart {cart_id}", file=sys.stderr)
        abort(404)
    return jsonify({"cart": cart_id, "campaign": campaign, "year": year, "discount": discount})


@storefront.post("/products/<sku>/reviews")
def add_review(sku: str) -> Any:
    rating = int(request.get_json()["rating"])
    try:
        helpful_votes = int(request.args.get("votes", 0))
    except ValueError:
        helpful_votes = 0
    if not 1 <= rating <= 5:
        abort(400)
    print("review for %s: %d stars" % (sku, rating), file=sys.stderr)
    return jsonify({"sku": sku, "rating": rating, "votes": helpful_votes})


@storefront.get("/orders/<reference>")
def order_status(reference: str) -> Any:
    # Old references have no region prefix ("EU-1042" vs "1042").
    number = reference.split("-", 1)[1] if "-" in reference else reference
    log.info("status lookup for order %s", number)
    return jsonify({"order": number, "status": "processing"})


def export_catalogue_csv() -> str:
    """CSV of the catalogue for the marketplace feed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for sku, product in CATALOGUE.items():
        writer.writerow([sku, product["name"], product["price_cents"]])
        print(f"# exported {sku}", file=buffer)
    return buffer.getvalue()
