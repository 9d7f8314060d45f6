"""Drive tests/e2e/wipe.py: prints `case=outcome` lines."""
import importlib
import logging
import sqlite3
import sys

sys.path.insert(0, sys.argv[1])
wipe = importlib.import_module("wipe")


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def database():
    conn = sqlite3.connect(":memory:")
    for table in ["xp", "warnings", "balances"]:
        conn.execute(f"CREATE TABLE {table} (v)")
        conn.execute(f"INSERT INTO {table} VALUES (1)")
    return conn


handler = Records()
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)

conn = database()
try:
    wipe.reset_season(conn)
    print("reset=returned")
except RuntimeError as error:
    print(f"reset=RuntimeError {'no_such_table' in str(error)}")
remaining = conn.execute("SELECT COUNT(*) FROM balances").fetchone()[0]
print(f"balances_after_reset={remaining}")

handler.records.clear()
wipe.refresh_cache(database())
print(f"refresh_records={len(handler.records)}")
if handler.records:
    record = handler.records[0]
    print(f"refresh_traceback={record.exc_info is not None}")
