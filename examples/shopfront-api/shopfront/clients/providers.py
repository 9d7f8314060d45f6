"""HTTP clients for the payment, shipping and tax-rate providers.

``PaymentsClient`` talks to the card processor through one pooled
``requests.Session``; shipping quotes and labels use plain ``requests``
calls; the tax-rate service is reached with ``httpx`` (which has its own
5 second default timeout).  Every provider answers with JSON bodies.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from decimal import Decimal

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

PAYMENTS_URL = os.environ.get("SHOPFRONT_PAYMENTS_URL", "https://api.payments.example/v2")
SHIPPING_URL = os.environ.get("SHOPFRONT_SHIPPING_URL", "https://shipping.example/api")
TAX_URL = os.environ.get("SHOPFRONT_TAX_URL", "https://tax.example/rates")

# Carrier codes the shipping provider accepts, as shipped in its SDK docs.
CARRIERS = json.loads('["dhl", "ups", "gls", "postnl"]')

_status_session = requests.Session()


class PaymentError(RuntimeError):
    pass


@dataclass
class Quote:
    carrier: str
    price: Decimal
    days: int


class PaymentsClient:
    """Card payments: charges, captures and refunds."""

    def __init__(self, api_key: str) -> None:
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        )

    def create_charge(self, order_id: int, amount: Decimal, currency: str = "EUR") -> dict:
        response = self.session.post(
            f"{PAYMENTS_URL}/charges",
            json={"order": order_id, "amount": str(amount), "currency": currency},
        )
        if response.status_code >= 400:
            raise PaymentError(f"charge for order {order_id} refused: {response.status_code}")
        charge = json.loads(response.text)
        logger.info("charge %s created for order %s", charge["id"], order_id)
        return charge

    def capture(self, charge_id: str) -> dict:
        response = self.session.post(f"{PAYMENTS_URL}/charges/{charge_id}/capture", timeout=20)
        response.raise_for_status()
        try:
            return json.loads(response.content)
        except ValueError:
            raise PaymentError(f"capture of {charge_id}: unreadable answer") from None

    def refund(self, charge_id: str, amount: Decimal | None = None) -> dict:
        body = {"charge": charge_id}
        if amount is not None:
            body["amount"] = str(amount)
        response = self.session.post(f"{PAYMENTS_URL}/refunds", json=body)
        response.raise_for_status()
        return response.json()

    def charge_status(self, charge_id: str) -> str:
        # Long-polling endpoint: the provider holds the request until the
        # status changes, so this one deliberately has no upper bound.
        response = self.session.get(f"{PAYMENTS_URL}/charges/{charge_id}/wait", timeout=None)
        return response.json()["status"]


def verify_webhook(raw_body: bytes, signature: str, secret: str) -> dict:
    """Parse a payment-provider webhook once its signature checks out."""
    import hmac
    from hashlib import sha256

    expected = hmac.new(secret.encode(), raw_body, sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise PaymentError("bad webhook signature")
    return json.loads(raw_body)


def shipping_quotes(weight_grams: int, postcode: str) -> list[Quote]:
    response = requests.get(
        f"{SHIPPING_URL}/quotes",
        params={"weight": weight_grams, "to": postcode, "carriers": ",".join(CARRIERS)}
    )
    response.raise_for_status()
    quotes = []
    for item in json.loads(response.text)["quotes"]:
        quotes.append(Quote(item["carrier"], Decimal(item["price"]), int(item["days"])))
    return quotes


def create_label(order_id: int, address: dict, carrier: str) -> bytes:
    response = requests.post(f"{SHIPPING_URL}/labels", json={"order": order_id, "to": address, "carrier": carrier})
    response.raise_for_status()
    return response.content


def cancel_label(label_id: str, **request_options) -> None:
    # Callers pass timeout/proxies through request_options.
    requests.delete(f"{SHIPPING_URL}/labels/{label_id}", **request_options)


def track(parcel_id: str) -> list[dict]:
    with requests.Session() as session:
        session.headers["Accept"] = "application/json"
        events = session.get(f"{SHIPPING_URL}/parcels/{parcel_id}/events").json()
    return [e for e in events if e.get("public")]


def retrying_session() -> requests.Session:
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))
    return session


def provider_status() -> dict:
    payments = _status_session.get(f"{PAYMENTS_URL}/status")
    shipping = requests.head(SHIPPING_URL, timeout=5)
    return {"payments": payments.ok, "shipping": shipping.ok}


def tax_rate(country: str) -> Decimal:
    # httpx gives up after 5 s of silence by default: nothing to add here.
    response = httpx.get(TAX_URL, params={"country": country})
    response.raise_for_status()
    return Decimal(response.json()["standard"])


def tax_rates_bulk(countries: list[str]) -> dict[str, Decimal]:
    with httpx.Client(base_url=TAX_URL) as client:
        rates = {}
        for country in countries:
            rates[country] = Decimal(client.get("", params={"country": country}).json()["standard"])
        return rates


def cached_rates(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        rates = json.load(fh)
    return {k: Decimal(v) for k, v in rates.items()}


def snapshot(value: dict) -> dict:
    """A deep copy that also normalises Decimals to strings."""
    return json.loads(json.dumps(value, default=str))
