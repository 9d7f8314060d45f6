"""Fixture for tests/cli.rs (behaviour test): failures that pass silently.

`balance` indexes a one-row fetch without checking for a missing row, and
`backup` only logs a failed `pg_dump`. The test runs `drive_wallet.py`
against this module before and after `auditfix fix --write`.
"""

import logging
import subprocess

logger = logging.getLogger(__name__)


def balance(conn, uid):
    cur = conn.execute("SELECT balance FROM w WHERE id = ?", (uid,))
    return cur.fetchone()[0]


def backup(path):
    result = subprocess.run(["pg_dump", "-f", path, "db"], capture_output=True, text=True)
    if result.returncode != 0:
        logger.warning("backup failed: %s", result.stderr)
    return path
