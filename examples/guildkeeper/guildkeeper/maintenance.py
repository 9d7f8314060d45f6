"""Season resets and housekeeping for the hosted (Postgres) deployment.

At the end of every season the leaderboard and the economy are reset.  Each
destructive task takes a dump of the database first so that an admin can
restore the previous season if a reset was triggered by mistake.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
from pathlib import Path

import psycopg

logger = logging.getLogger(__name__)

BACKUP_DIR = Path(os.environ.get("GUILDKEEPER_BACKUP_DIR", "/var/backups/guildkeeper"))
DSN = os.environ.get("GUILDKEEPER_DSN", "postgresql://guildkeeper@localhost/guildkeeper")


def _timestamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def backup_database(dsn: str = DSN) -> Path:
    """Dump the whole database in custom format and return the file path."""
    BACKUP_DIR.mkdir(parents=True, exist_ok=True)
    backup_path = str(BACKUP_DIR / f"guildkeeper-{_timestamp()}.dump")
    result = subprocess.run(
        ["pg_dump", "--format=custom", "-f", backup_path, dsn],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        logger.warning("backup failed: %s", result.stderr)
    return Path(backup_path)


def reset_season(season: int, dsn: str = DSN) -> None:
    """Archive the current season and wipe xp, balances and warnings."""
    backup = backup_database(dsn)
    logger.info("season %s backup written to %s", season, backup)
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM warnings")
        conn.execute("UPDATE balances SET balance = 0")
        conn.execute("DROP TABLE IF EXISTS xp_archive")
        conn.execute("ALTER TABLE xp RENAME TO xp_archive")
        conn.execute("CREATE TABLE xp (LIKE xp_archive INCLUDING ALL)")
    logger.info("season %s reset complete", season)


def snapshot_cluster(target_dir: Path) -> None:
    """Physical base backup used before a Postgres major-version upgrade."""
    proc = subprocess.run(
        ["pg_basebackup", "-D", str(target_dir), "-Ft", "-z", "-d", DSN],
        capture_output=True,
        text=True,
    )
    if proc.returncode == 0:
        logger.info("base backup stored in %s", target_dir)
    else:
        logger.warning("pg_basebackup exited with %s: %s", proc.returncode, proc.stderr)


def purge_inactive_members(days: int = 365, dsn: str = DSN) -> int:
    """Delete members who have not been seen for ``days`` days."""
    dump_file = BACKUP_DIR / f"members-{_timestamp()}.sql"
    try:
        subprocess.run(
            ["pg_dump", "--table=users", "--file", str(dump_file), dsn],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        logger.warning("backup failed: %s", exc)
    with psycopg.connect(dsn) as conn:
        cur = conn.execute(
            "DELETE FROM users WHERE last_seen < now() - make_interval(days => %s)",
            (days,),
        )
        return cur.rowcount


def export_economy(dsn: str = DSN) -> Path:
    """Plain-SQL export of the economy tables for the stats dashboard."""
    out = BACKUP_DIR / "economy.sql"
    subprocess.run(
        ["pg_dump", "--data-only", "-t", "balances", "-f", str(out), dsn],
        check=True,
    )
    return out


def drop_test_schema(dsn: str = DSN) -> None:
    """Remove the ``testing`` schema after a verified dump of it."""
    dump_file = BACKUP_DIR / f"testing-{_timestamp()}.dump"
    result = subprocess.run(
        ["pg_dump", "-Fc", "-n", "testing", "-f", str(dump_file), dsn],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed, refusing to drop schema: {result.stderr}")
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP SCHEMA testing CASCADE")


def deployed_revision(repo_dir: Path) -> str:
    """Return the git revision of the running bot, for the /about command."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo_dir, capture_output=True)
    if status.returncode != 0:
        logger.warning("git status failed in %s", repo_dir)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=repo_dir, capture_output=True, text=True
    )
    return head.stdout.strip() or "unknown"
