"""Nightly maintenance job of the bot: expire old data, vacuum, rotate caches.

Run from cron as ``python -m guildkeeper.cleanup``.  Each step is best effort
by design: one failing step must not keep the others from running.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from pathlib import Path

logger = logging.getLogger(__name__)

CACHE_DIR = Path(os.environ.get("GUILDKEEPER_CACHE", "/var/cache/guildkeeper"))

#: Per-table retention, in days.
RETENTION = {
    "warnings": 180,
    "xp_events": 30,
    "shop_orders": 365,
}

#: Scratch tables left behind by the import scripts.
SCRATCH_TABLES = ("import_users", "import_balances", "import_xp")


def expire_old_rows(conn: sqlite3.Connection) -> None:
    """Delete rows past their retention period, table by table."""
    for table, days in RETENTION.items():
        try:
            conn.execute(
                f"DELETE FROM {table} WHERE created_at < datetime('now', ?)",
                (f"-{days} days",),
            )
        except sqlite3.Error as e:
            logger.warning(f"could not expire {table}: {e}")
            continue
    conn.commit()


def drop_scratch_tables(conn: sqlite3.Connection) -> None:
    """Remove the import scripts' scratch tables."""
    for name in SCRATCH_TABLES:
        try:
            conn.execute(f"DROP TABLE IF EXISTS {name}")
        except sqlite3.OperationalError:
            logger.info("scratch table %s could not be dropped", name)


def reset_daily_streaks(conn: sqlite3.Connection, guild_ids: list[int]) -> int:
    """Zero the daily-bonus streak of every member who missed a day."""
    reset = 0
    for guild_id in guild_ids:
        try:
            cur = conn.execute(
                "UPDATE members SET streak = 0 WHERE guild_id = ? AND last_daily < date('now', '-1 day')",
                (guild_id,),
            )
            reset += cur.rowcount
        except sqlite3.Error as exc:
            logger.warning("streak reset failed for guild %s: %s", guild_id, exc)
    return reset


def count_rows(conn: sqlite3.Connection) -> dict[str, int]:
    """Row counts for the admin dashboard (read-only)."""
    counts = {}
    for table in RETENTION:
        try:
            counts[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        except sqlite3.Error as exc:
            logger.warning("cannot count %s: %s", table, exc)
    return counts


def archive_then_delete(conn: sqlite3.Connection, tables: list[str]) -> None:
    """Copy each table to its archive, then empty it; stop at the first error."""
    for table in tables:
        try:
            conn.execute(f"INSERT INTO archive_{table} SELECT * FROM {table}")
            conn.execute(f"DELETE FROM {table}")
        except sqlite3.Error:
            logger.error("archiving %s failed, stopping", table)
            raise


def vacuum(conn: sqlite3.Connection) -> None:
    """Reclaim the space freed by the deletions."""
    try:
        conn.execute("VACUUM")
    except Exception:
        pass


def rotate_cache(max_age: float = 7 * 86400) -> None:
    """Delete cached avatars older than ``max_age`` seconds."""
    now = time.time()
    for path in CACHE_DIR.glob("*.png"):
        try:
            if now - path.stat().st_mtime > max_age:
                path.unlink()
        except FileNotFoundError:
            pass
        except Exception:
            continue


def load_cached_leaderboard(guild_id: int) -> dict | None:
    """The last leaderboard rendered for the guild, if still cached."""
    try:
        with open(CACHE_DIR / f"leaderboard-{guild_id}.json", encoding="utf-8") as f:
            return json.load(f)
    except Exception:
        return None


def clear_tmp() -> None:
    """Remove the renderer's temporary directory."""
    try:
        shutil.rmtree(CACHE_DIR / "tmp")
    except OSError:
        pass
    try:
        os.remove(CACHE_DIR / "render.lock")
    except Exception:  # nosec B110 - the lock is recreated on the next render
        pass


def notify_admins(webhook, summary: str) -> None:
    """Post the nightly summary to the admins' channel."""
    try:
        webhook.send(summary)
    except ConnectionError as err:
        logger.error("could not post the summary: %s", err)
    except Exception as err:
        logger.exception("unexpected error posting the summary: %s", err)


def run(db_path: str = "guild.db") -> None:
    conn = sqlite3.connect(db_path)
    try:
        expire_old_rows(conn)
        drop_scratch_tables(conn)
        reset_daily_streaks(conn, [1, 2])
        vacuum(conn)
    except Exception as e:
        logger.error("nightly cleanup failed: " + str(e))
        raise
    finally:
        conn.close()
    rotate_cache()
    clear_tmp()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run()
