"""Settings of a small web app, with insecure defaults (fixed by tests/secrets.rs)."""

import os

SECRET_KEY = os.environ.get("APP_SECRET_KEY", "dev-secret")
DB_PASSWORD = os.getenv("APP_DB_PASSWORD") or "postgres"
API_TOKEN = "changeme-token"
DEBUG = os.environ.get("APP_DEBUG", "0") == "1"
