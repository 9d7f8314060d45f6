"""shopfront: HTTP back end for a small online shop.

The main API is a FastAPI application (:mod:`shopfront.app`); a Starlette
application serves webhooks (:mod:`shopfront.starlette_app`) and a legacy Flask
app still answers the old ``/v0`` endpoints (:mod:`shopfront.legacy_flask`).
"""

__version__ = "2.3.0"
