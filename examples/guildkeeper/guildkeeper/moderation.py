"""Moderation queries (warnings) shared by the sqlite-backed database manager.

The mixin expects the host class to provide ``self.conn``, an open
:class:`sqlite3.Connection` whose ``row_factory`` is :class:`sqlite3.Row`.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Optional

WARNINGS_BEFORE_KICK = 3


class ModerationMixin:
    """Warning bookkeeping for :class:`guildkeeper.db.GuildDatabase`."""

    conn: sqlite3.Connection

    def warn(self, user_id: int, moderator_id: int, reason: str) -> int:
        self.conn.execute(
            "INSERT INTO warnings (user_id, moderator_id, reason) VALUES (?, ?, ?)",
            (user_id, moderator_id, reason),
        )
        self.conn.commit()
        cur = self.conn.execute(
            "SELECT COUNT(*) FROM warnings WHERE user_id = ?", (user_id,)
        )
        count = (cur.fetchone() or (0,))[0]
        return count

    def warning_summary(self, user_id: int) -> str:
        cur = self.conn.execute(
            "SELECT COUNT(*), MAX(created_at) FROM warnings WHERE user_id = ?",
            (user_id,),
        )
        row = cur.fetchone()
        total, last = row
        return f"{total} warning(s), last on {last}"

    def last_warning_reason(self, user_id: int) -> Optional[str]:
        cur = self.conn.execute(
            "SELECT reason FROM warnings WHERE user_id = ? ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        try:
            return cur.fetchone()[0]
        except TypeError:
            return None

    def warnings_for(self, user_id: int) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            "SELECT id, moderator_id, reason, created_at FROM warnings "
            "WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [dict(row) for row in cur.fetchall()]

    def should_kick(self, user_id: int) -> bool:
        cur = self.conn.execute(
            "SELECT COUNT(*) FROM warnings WHERE user_id = ?", (user_id,)
        )
        (count,) = cur.fetchone()
        return count >= WARNINGS_BEFORE_KICK
