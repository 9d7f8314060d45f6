"""Queries of a notes app, written the unsafe way (fixed by tests/sql_injection.rs)."""

import sqlite3


def by_title(conn: sqlite3.Connection, title: str):
    cur = conn.execute(f"SELECT id FROM notes WHERE title = '{title}' ORDER BY id")
    return [row[0] for row in cur.fetchall()]


def search(conn: sqlite3.Connection, term: str):
    cur = conn.execute("SELECT id FROM notes WHERE body LIKE '%" + term + "%' ORDER BY id")
    return [row[0] for row in cur.fetchall()]


# Outside quotes a value is bound only when it is known to be a number (an
# `int` annotation here): anything else might be SQL text.
def by_author(conn, author, limit: int):
    sql = "SELECT id FROM notes WHERE author = '%s' ORDER BY id LIMIT %s" % (author, limit)
    return [row[0] for row in conn.execute(sql).fetchall()]


def by_id(conn, note_id: int):
    cur = conn.execute("SELECT id FROM notes WHERE id = {} ORDER BY id".format(note_id))
    return [row[0] for row in cur.fetchall()]
