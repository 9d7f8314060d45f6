"""Season reset of a small bot database: a loop of DELETEs whose failures
are only logged, and a cache refresh whose errors are swallowed."""
import logging
import sqlite3

logger = logging.getLogger("wipe")

TABLES = ["xp", "warnings", "no_such_table", "balances"]


def reset_season(conn: sqlite3.Connection) -> None:
    """Empty every season table."""
    for table in TABLES:
        try:
            conn.execute(f"DELETE FROM {table}")
        except sqlite3.Error as e:
            logger.warning("could not clear %s: %s", table, e)
    conn.commit()


def refresh_cache(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("SELECT * FROM cache_that_does_not_exist")
    except Exception:
        pass
