"""Member search and leaderboards for the ``/find`` and ``/top`` commands.

The slash commands pass what the user typed straight through, so every query
here sees untrusted text. :class:`LocalSearch` runs on the sqlite3 database
of :class:`~guildkeeper.db.GuildDatabase`; :class:`HostedSearch` on the
asyncpg pool of :class:`~guildkeeper.pg_store.PgStore`.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import asyncpg

logger = logging.getLogger(__name__)

LEADERBOARD_SIZE = 10
SORTABLE_COLUMNS = {"xp", "level", "joined_at"}


class LocalSearch:
    """Searches over the local sqlite3 database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def by_name(self, name: str) -> list[dict[str, Any]]:
        cur = self.conn.execute(f"SELECT user_id, name FROM users WHERE name = '{name}'")
        return [dict(row) for row in cur.fetchall()]

    def name_contains(self, fragment: str) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            "SELECT user_id, name FROM users WHERE name LIKE '%" + fragment + "%' ORDER BY name"
        )
        return [dict(row) for row in cur.fetchall()]

    def warnings_by(self, moderator_id, since):
        query = (
            "SELECT user_id, reason, created_at FROM warnings "
            "WHERE moderator_id = %s AND created_at >= '%s'" % (moderator_id, since)
        )
        return self.conn.execute(query).fetchall()

    def top(self, column: str = "xp", limit: int = LEADERBOARD_SIZE) -> list[tuple]:
        # `column` is checked against an allow-list (not reported); `limit`
        # is an int, which the fix binds.
        if column not in SORTABLE_COLUMNS:
            raise ValueError(f"cannot sort by {column!r}")
        cur = self.conn.execute(
            f"SELECT user_id, {column} FROM xp ORDER BY {column} DESC LIMIT {limit}"
        )
        return cur.fetchall()

    def count_named(self, name: str) -> int:
        cur = self.conn.execute("SELECT COUNT(*) FROM users WHERE name = ?", (name,))
        return cur.fetchone()[0]

    def members(self, user_ids: list[int]) -> list[tuple]:
        placeholders = ", ".join("?" * len(user_ids))
        cur = self.conn.execute(
            f"SELECT user_id, name FROM users WHERE user_id IN ({placeholders})", user_ids
        )
        return cur.fetchall()

    def leaderboard(self) -> list[tuple]:
        cur = self.conn.execute(f"SELECT user_id, xp FROM xp ORDER BY xp DESC LIMIT {LEADERBOARD_SIZE}")
        return cur.fetchall()


class HostedSearch:
    """The same searches on the hosted Postgres database."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def by_name(self, guild_id: int, name: str) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            f"SELECT user_id, name FROM members WHERE guild_id = {guild_id} AND name = '{name}'"
        )

    async def name_contains(self, guild_id: int, fragment: str) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            f"SELECT user_id, name FROM members WHERE guild_id = $1 AND name ILIKE '%{fragment}%'",
            guild_id,
        )

    async def xp_of(self, guild_id: int, user_id: int) -> int:
        value = await self.pool.fetchval(
            f"SELECT xp FROM xp WHERE guild_id = {guild_id} AND user_id = {user_id}"
        )
        return value or 0

    async def rename(self, user_id: int, name: str) -> None:
        sql = f"UPDATE members SET name = '{name}' WHERE user_id = {user_id}"
        logger.info("renaming member %s", user_id)
        await self.pool.execute(sql)

    async def table_size(self, table: str) -> int:
        return await self.pool.fetchval(f"SELECT COUNT(*) FROM {table}")

    async def member(self, user_id: int) -> asyncpg.Record | None:
        return await self.pool.fetchrow("SELECT * FROM members WHERE user_id = $1", user_id)
