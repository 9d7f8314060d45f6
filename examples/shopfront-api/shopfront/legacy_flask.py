"""Legacy Flask application serving the ``/v0`` endpoints.

Kept alive for the old mobile app (versions < 3.0) until its usage drops below
one percent.  New endpoints belong in :mod:`shopfront.app`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

from flask import Blueprint, Flask, abort, g, jsonify
from flask_cors import CORS

logger = logging.getLogger(__name__)

LEGACY_DB = os.environ.get("SHOPFRONT_LEGACY_DB", "legacy.sqlite3")
MOBILE_ORIGINS = ["capacitor://localhost", "https://m.example.com"]

v0 = Blueprint("v0", __name__, url_prefix="/v0")


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(LEGACY_DB)
        g.db.row_factory = sqlite3.Row
    return g.db


@v0.get("/products/<int:product_id>")
def product(product_id: int) -> Any:
    cur = get_db().execute(
        "SELECT id, name, price_cents FROM products WHERE id = ?", (product_id,)
    )
    row = cur.fetchone()
    if row is None:
        abort(404)
    return jsonify(dict(row))


@v0.get("/products/<int:product_id>/stock")
def stock(product_id: int) -> Any:
    cur = get_db().execute("SELECT quantity FROM stock WHERE product_id = ?", (product_id,))
    return jsonify({"product_id": product_id, "quantity": cur.fetchone()["quantity"]})


@v0.get("/categories")
def categories() -> Any:
    cur = get_db().execute("SELECT id, name FROM categories ORDER BY name")
    return jsonify([dict(row) for row in cur.fetchall()])


def _close_db(exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def create_app() -> Flask:
    """Application factory for the legacy API."""
    app = Flask(__name__)
    app.register_blueprint(v0)
    app.teardown_appcontext(_close_db)
    CORS(app, resources={r"/v0/*": {"origins": MOBILE_ORIGINS}}, allow_headers=["*"])
    logger.info("legacy API ready, db=%s", LEGACY_DB)
    return app


def create_embed_app() -> Flask:
    """Tiny app serving the embeddable price badge for affiliate sites."""
    app = Flask("shopfront_embed")
    app.register_blueprint(v0)
    app.teardown_appcontext(_close_db)
    CORS(app, allow_headers="*")
    return app


def create_internal_app() -> Flask:
    """Back-office app; only the intranet origin with a fixed header list."""
    app = Flask("shopfront_internal")
    app.register_blueprint(v0)
    CORS(
        app,
        origins=["https://intranet.example.com"],
        allow_headers=["Content-Type", "Authorization"],
        supports_credentials=True,
    )
    return app
