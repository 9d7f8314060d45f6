"""Starlette application receiving payment and shipping webhooks.

It also serves a tiny internal admin UI.  The admin app only accepts a fixed
set of request headers, whereas the webhook app historically allowed "*" so
that every payment provider's custom signature headers got through.
"""

from __future__ import annotations

import hmac
import os
from hashlib import sha256
from typing import Iterable, Optional

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

WEBHOOK_SECRET = os.environ.get("SHOPFRONT_WEBHOOK_SECRET", "").encode()
ADMIN_ORIGINS = ["https://admin.example.com"]


def make_proxy(
    upstream: str,
    allow_headers: Optional[Iterable[str]] = None,
    timeout: float = 10.0,
) -> dict[str, object]:
    """Build the settings for the reverse proxy in front of the carrier API.

    ``allow_headers`` lists which incoming headers are forwarded upstream;
    passing ``["*"]`` forwards all of them.
    """
    return {
        "upstream": upstream.rstrip("/"),
        "forward_headers": sorted(set(allow_headers or [])),
        "timeout": timeout,
    }


CARRIER_PROXY = make_proxy("https://api.carrier.example/", allow_headers=["*"])


def _signature_ok(body: bytes, signature: str) -> bool:
    expected = hmac.new(WEBHOOK_SECRET, body, sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


async def payment_webhook(request: Request) -> Response:
    body = await request.body()
    if not _signature_ok(body, request.headers.get("x-signature", "")):
        return JSONResponse({"error": "bad signature"}, status_code=401)
    event = await request.json()
    return JSONResponse({"received": event.get("id")})


async def shipping_webhook(request: Request) -> Response:
    event = await request.json()
    return JSONResponse({"tracking": event.get("tracking_number"), "proxy": CARRIER_PROXY["upstream"]})


async def admin_home(request: Request) -> Response:
    return JSONResponse({"admin": True})


async def status_page(request: Request) -> Response:
    return JSONResponse({"webhooks": "up", "admin": "up"})


webhook_middleware = [
    Middleware(
        CORSMiddleware,
        allow_origins=["https://pay.example.net", "https://ship.example.org"],
        allow_methods=["POST"],
        allow_headers=["*"],
    ),
]

webhooks = Starlette(
    routes=[
        Route("/webhooks/payment", payment_webhook, methods=["POST"]),
        Route("/webhooks/shipping", shipping_webhook, methods=["POST"]),
    ],
    middleware=webhook_middleware,
)

admin = Starlette(
    routes=[Route("/", admin_home)],
    middleware=[
        Middleware(
            CORSMiddleware,
            allow_origins=ADMIN_ORIGINS,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Content-Type", "Authorization", "X-CSRF-Token"],
        )
    ],
)

status = Starlette(
    routes=[Route("/status", status_page)],
    middleware=[Middleware(CORSMiddleware, allow_origins=["https://status.example.com"], allow_headers=["*"])],
)
