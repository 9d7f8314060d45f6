"""SQLite persistence for the guild bot.

:class:`GuildDatabase` wraps a single :mod:`sqlite3` connection and exposes the
handful of queries the cogs need: member profiles, experience points, wallet
balances and moderation warnings.  It is used for local development and for
small single-server installs; the hosted bot talks to Postgres through
:mod:`guildkeeper.pg_store` instead.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .moderation import ModerationMixin

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).with_name("schema.sql")

XP_PER_LEVEL = 250


def _namedtuple_factory(cursor: sqlite3.Cursor, row: tuple) -> Any:
    """Row factory giving attribute access (``row.name``) to query results."""
    fields = [column[0] for column in cursor.description]
    return namedtuple("Row", fields)(*row)


@dataclass
class Profile:
    user_id: int
    name: str
    xp: int
    level: int
    balance: int


class GuildDatabase(ModerationMixin):
    """Manager object owning the bot's sqlite3 connection."""

    def __init__(self, path: str = "guild.db") -> None:
        self.path = path
        self.conn = sqlite3.connect(path)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(SCHEMA_PATH.read_text(encoding="utf-8"))

    def _tuple_cursor(self) -> sqlite3.Cursor:
        cur = self.conn.cursor()
        cur.row_factory = _namedtuple_factory
        return cur

    # -- users -------------------------------------------------------------

    def get_user(self, user_id: int) -> dict[str, Any]:
        """Return the stored user as a plain dict."""
        cur = self.conn.cursor()
        cur.execute("SELECT user_id, name, joined_at FROM users WHERE user_id = ?", (user_id,))
        return dict(cur.fetchone())

    def find_user(self, user_id: int) -> Optional[dict[str, Any]]:
        """Like :meth:`get_user` but returns ``None`` for unknown members."""
        cur = self.conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(row)

    def require_user(self, user_id: int) -> sqlite3.Row:
        cur = self.conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        if not row:
            raise LookupError(f"member {user_id} is not registered")
        return row

    def user_count(self) -> int:
        cur = self.conn.execute("SELECT COUNT(*) FROM users")
        return cur.fetchone()[0]

    def display_name(self, user_id: int) -> str:
        cur = self._tuple_cursor()
        cur.execute("SELECT name FROM users WHERE user_id = ?", (user_id,))
        return cur.fetchone().name

    def rename_user(self, user_id: int, new_name: str) -> str:
        """Rename a member and return the previous name."""
        cur = self.conn.execute("SELECT name FROM users WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        self.conn.execute("UPDATE users SET name = ? WHERE user_id = ?", (new_name, user_id))
        self.conn.commit()
        logger.debug("renamed %s to %s", user_id, new_name)
        return row["name"]

    def greeting(self, user_id: int) -> str:
        cur = self.conn.execute("SELECT name FROM users WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        if row:
            return f"Welcome back, {row['name']}!"
        return "Welcome, stranger!"

    # -- xp ------------------------------------------------------------------

    def level_progress(self, user_id: int) -> tuple[int, int]:
        cur = self.conn.execute("SELECT xp, level FROM xp WHERE user_id = ?", (user_id,))
        xp, level = cur.fetchone()
        return xp - (level - 1) * XP_PER_LEVEL, XP_PER_LEVEL

    def add_xp(self, user_id: int, amount: int) -> bool:
        """Grant experience; returns ``True`` when the member levelled up."""
        cur = self.conn.execute("SELECT xp, level FROM xp WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        new_xp = row["xp"] + amount
        new_level = new_xp // XP_PER_LEVEL + 1
        self.conn.execute(
            "UPDATE xp SET xp = ?, level = ? WHERE user_id = ?",
            (new_xp, new_level, user_id),
        )
        self.conn.commit()
        return new_level > row["level"]

    def xp_of(self, user_id: int) -> int:
        cur = self.conn.execute("SELECT xp FROM xp WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        value = row[0] if row is not None else 0
        return value

    def leaderboard(self, limit: int = 10) -> list[tuple[str, int]]:
        cur = self.conn.execute(
            "SELECT u.name, x.xp FROM xp x JOIN users u USING (user_id) "
            "ORDER BY x.xp DESC LIMIT ?",
            (limit,),
        )
        board = []
        for name, xp in cur.fetchall():
            board.append((name, xp))
        return board

    def profile(self, user_id: int) -> Profile:
        cur = self._tuple_cursor()
        cur.execute(
            "SELECT u.user_id, u.name, x.xp, x.level, b.balance FROM users u "
            "JOIN xp x USING (user_id) JOIN balances b USING (user_id) "
            "WHERE u.user_id = ?",
            (user_id,),
        )
        row = cur.fetchone()
        return Profile(row.user_id, row.name, row.xp, row.level, row.balance)

    # -- economy -------------------------------------------------------------

    def get_balance(self, user_id: int) -> int:
        cur = self.conn.execute("SELECT balance FROM balances WHERE user_id = ?", (user_id,))
        return cur.fetchone()["balance"]

    def wallet(self, user_id: int) -> dict[str, Any]:
        cur = self.conn.execute("SELECT * FROM balances WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        return dict(row) if row else {}

    def transfer(self, sender: int, recipient: int, amount: int) -> int:
        """Move coins between members and return the sender's new balance."""
        with self.conn:
            self.conn.execute(
                "UPDATE balances SET balance = balance - ? WHERE user_id = ?",
                (amount, sender),
            )
            self.conn.execute(
                "UPDATE balances SET balance = balance + ? WHERE user_id = ?",
                (amount, recipient),
            )
            cur = self.conn.execute(
                "SELECT balance FROM balances WHERE user_id = ?", (sender,)
            )
            row = cur.fetchone()
        logger.info("transfer %s -> %s: %s coins", sender, recipient, amount)
        return row["balance"]

    def richest(self) -> dict[str, Any]:
        cur = self.conn.execute(
            "SELECT u.name, b.balance FROM balances b JOIN users u USING (user_id) "
            "ORDER BY b.balance DESC LIMIT 1"
        )
        top = cur.fetchone()
        logger.debug("richest member computed")
        return dict(top)

    def daily_bonus(self, user_id: int, bonus: int = 100) -> int:
        self.conn.execute(
            "UPDATE balances SET balance = balance + ? WHERE user_id = ?",
            (bonus, user_id),
        )
        cur = self.conn.execute("SELECT balance FROM balances WHERE user_id = ?", (user_id,))
        row = cur.fetchone()
        assert row is not None
        self.conn.commit()
        return row["balance"]
