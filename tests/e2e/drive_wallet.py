"""Driver for tests/cli.rs: exercise wallet.py and print one line per case.

Usage: python3 drive_wallet.py MODULE_DIR BACKUP_PATH

Each line is `case=ok: <repr>` or `case=<ExceptionType>: <message>`;
`pg_dump` is whatever comes first on PATH (the test puts a fake there).
"""

import sqlite3
import sys

sys.path.insert(0, sys.argv[1])

import wallet  # noqa: E402


def outcome(fn, *args):
    try:
        value = fn(*args)
    except Exception as exc:  # report, do not crash: the test compares
        return f"{type(exc).__name__}: {exc}"
    return f"ok: {value!r}"


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE w (id INTEGER PRIMARY KEY, balance INTEGER)")
conn.execute("INSERT INTO w VALUES (1, 50)")

print("balance_found=" + outcome(wallet.balance, conn, 1))
print("balance_missing=" + outcome(wallet.balance, conn, 2))
print("backup=" + outcome(wallet.backup, sys.argv[2]))
