"""Backup and reset helpers for the shop's MySQL catalogue and Mongo events.

Run from cron on the ops host (``python -m shopfront.ops.backup`` wrappers live
in the deploy repo).  Output goes to stdout/stderr, which cron mails to the
on-call address, so this module deliberately just prints.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pymysql

BACKUP_ROOT = Path(os.environ.get("SHOPFRONT_BACKUP_ROOT", "/backups"))
MYSQL_HOST = os.environ.get("SHOPFRONT_MYSQL_HOST", "db.internal")
MYSQL_USER = os.environ.get("SHOPFRONT_MYSQL_USER", "shop_ops")
CATALOGUE_DB = "catalogue"


def _stamp() -> str:
    return dt.date.today().isoformat()


def dump_catalogue(path: str) -> None:
    """Write a logical dump of the catalogue schema to ``path``."""
    cmd = [
        "mysqldump",
        "--single-transaction",
        "--host=" + MYSQL_HOST,
        "--user=" + MYSQL_USER,
        "--result-file=" + path,
        CATALOGUE_DB,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode:
        print("backup failed")


def reset_demo_catalogue() -> None:
    """Replace the demo shop's products with the fixture set."""
    dump_catalogue(str(BACKUP_ROOT / f"catalogue-{_stamp()}.sql"))
    conn = pymysql.connect(host=MYSQL_HOST, user=MYSQL_USER, database=CATALOGUE_DB)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM product_images")
        cur.execute("DELETE FROM products")
        cur.execute("ALTER TABLE products AUTO_INCREMENT = 1")
    conn.commit()
    conn.close()
    print("demo catalogue wiped")


def archive_orders_table(year: int) -> None:
    """Dump the orders of ``year`` and then delete them from the live table."""
    out = str(BACKUP_ROOT / f"orders-{year}.sql")
    result = subprocess.run(
        ["mysqldump", "-h", MYSQL_HOST, "-u", MYSQL_USER, "-r", out,
         f"--where=YEAR(created_at) = {year}", CATALOGUE_DB, "orders"],
        capture_output=True,
    )
    if result.returncode != 0:
        print(f"mysqldump exited with {result.returncode}", file=sys.stderr)
    conn = pymysql.connect(host=MYSQL_HOST, user=MYSQL_USER, database=CATALOGUE_DB)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM orders WHERE YEAR(created_at) = %s", (year,))
    conn.commit()
    conn.close()


def rotate_event_log() -> None:
    """Archive the Mongo clickstream, then drop the collection."""
    subprocess.run(["mongodump", "--db=events", "--archive=/backups/events.gz", "--gzip"])
    subprocess.run(["mongosh", "events", "--quiet", "--eval", "db.clicks.drop()"], check=True)
    print("event log rotated")


def rebuild_search_index() -> None:
    """Snapshot the catalogue then truncate the search tables for a rebuild."""
    try:
        subprocess.run(
            ["mysqldump", "--host", MYSQL_HOST, "--user", MYSQL_USER,
             "--result-file", str(BACKUP_ROOT / "search.sql"), CATALOGUE_DB, "search_terms"],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
    conn = pymysql.connect(host=MYSQL_HOST, user=MYSQL_USER, database=CATALOGUE_DB)
    with conn.cursor() as cur:
        cur.execute("TRUNCATE TABLE search_terms")
    conn.close()


def nightly_full_backup() -> None:
    """Full dump used by the restore drill; aborts the cron job on failure."""
    target = BACKUP_ROOT / f"full-{_stamp()}.sql"
    result = subprocess.run(
        ["mysqldump", "--all-databases", "--single-transaction", f"--result-file={target}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        sys.exit(1)
    subprocess.run(["mongodump", f"--archive={target.with_suffix('.mongo.gz')}", "--gzip"], check=True)
    listing = subprocess.run(["ls", "-l", str(BACKUP_ROOT)], capture_output=True, text=True)
    if listing.returncode != 0:
        print("could not list backup directory")
    else:
        print(listing.stdout)
