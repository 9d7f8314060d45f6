"""Driver for tests/sql_injection.rs: run notes_search.py against sqlite3.

Usage: python3 drive_notes_search.py MODULE_DIR

Prints one line per case: `case=ok: <ids>` or `case=<ExceptionType>`.
"""

import sqlite3
import sys

sys.path.insert(0, sys.argv[1])

import notes_search  # noqa: E402

conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT, author TEXT)")
conn.executemany(
    "INSERT INTO notes (id, title, body, author) VALUES (?, ?, ?, ?)",
    [
        (1, "groceries", "milk and eggs", "ann"),
        (2, "O'Brien", "call back about the lease", "bob"),
        (3, "secret plans", "launch on friday", "cyd"),
    ],
)

PAYLOAD = "x' OR '1'='1"


def outcome(name, fn, *args):
    try:
        value = fn(conn, *args)
    except Exception as exc:  # report, do not crash: the test compares
        print(f"{name}={type(exc).__name__}")
    else:
        print(f"{name}=ok: {value!r}")


outcome("title", notes_search.by_title, "groceries")
outcome("title_quote", notes_search.by_title, "O'Brien")
outcome("title_payload", notes_search.by_title, PAYLOAD)
outcome("search", notes_search.search, "lease")
outcome("search_payload", notes_search.search, "' OR 1=1 --")
outcome("author", notes_search.by_author, "cyd", 5)
outcome("author_payload", notes_search.by_author, PAYLOAD, 5)
outcome("id", notes_search.by_id, 3)
outcome("id_payload", notes_search.by_id, "0 OR 1=1")
