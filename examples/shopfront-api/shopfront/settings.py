"""Runtime settings of the shop back end, read from the environment.

Every deployment (staging, production, the demo shop) sets these through its
container environment; developers get the defaults.
"""

from __future__ import annotations

import os
from os import getenv

# -- secrets ------------------------------------------------------------------

# Signs session cookies and password-reset links.
SECRET_KEY = os.environ.get("SHOPFRONT_SECRET_KEY", "dev-secret-change-me")
JWT_SECRET = getenv("SHOPFRONT_JWT_SECRET") or "shopfront-jwt-dev"
DB_PASSWORD = os.getenv("SHOPFRONT_DB_PASSWORD", "shopfront")
PAYMENT_API_KEY = "pk_live_51HxQvR2eZvKYlo2C8n3Tq7Vb"
WEBHOOK_SIGNING_SECRET = "whsec_demo_signing_secret"

# -- not secrets ----------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://shopfront@localhost/shopfront")
DEBUG = os.environ.get("SHOPFRONT_DEBUG", "0") == "1"
LOG_LEVEL = os.getenv("SHOPFRONT_LOG_LEVEL", "INFO")
PAGE_SIZE = int(os.getenv("SHOPFRONT_PAGE_SIZE", "24"))
TOKEN_URL = os.getenv("SHOPFRONT_TOKEN_URL", "https://auth.example.com/oauth/token")
SECRET_KEY_FILE = os.getenv("SHOPFRONT_SECRET_KEY_FILE", "/run/secrets/shopfront_key")
ACCESS_TOKEN_EXPIRE_MINUTES = int(os.getenv("SHOPFRONT_TOKEN_MINUTES", "30"))
PASSWORD_MIN_LENGTH = 10
AUTH_TOKEN_HEADER = "X-Shopfront-Token"
SENTRY_TOKEN = os.getenv("SHOPFRONT_SENTRY_TOKEN", "")
REFRESH_TOKEN = "refresh_token"


def mail_password() -> str:
    """SMTP password for order confirmations, read when the mailer starts."""
    return os.environ.get("SHOPFRONT_SMTP_PASSWORD", "smtp-dev")


class StagingConfig:
    ADMIN_PASSWORD = "staging-admin"


class TestingConfig:
    ADMIN_PASSWORD = "test"
