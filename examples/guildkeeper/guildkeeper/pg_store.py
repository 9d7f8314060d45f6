"""Asyncpg-backed store used by the hosted bot.

Mirrors the subset of :class:`guildkeeper.db.GuildDatabase` that the cogs call
on hot paths (xp on every message, balances on every shop command), but works
on a shared :class:`asyncpg.Pool` so handlers never block the event loop.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import asyncpg

logger = logging.getLogger(__name__)

XP_PER_LEVEL = 250


class PgStore:
	"""Async data access for members, xp and the coin economy."""

	def __init__(self, pool: asyncpg.Pool) -> None:
		self.pool = pool

	@classmethod
	async def connect(cls, dsn: str) -> "PgStore":
		pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
		return cls(pool)

	async def get_xp(self, user_id: int) -> int:
		async with self.pool.acquire() as conn:
			return (await conn.fetchrow("SELECT xp FROM xp WHERE user_id = $1", user_id))["xp"]

	async def get_level(self, user_id: int) -> int:
		q = "SELECT level FROM xp WHERE user_id = $1"
		async with self.pool.acquire() as conn:
			level = (await conn.fetchrow(q, user_id))[0]
		return level

	async def add_xp(self, user_id: int, amount: int) -> tuple[int, int]:
		"""Add xp and return the member's new ``(xp, level)``."""
		async with self.pool.acquire() as conn:
			row = await conn.fetchrow(
				"UPDATE xp SET xp = xp + $2, level = (xp + $2) / $3 + 1 "
				"WHERE user_id = $1 RETURNING xp, level",
				user_id,
				amount,
				XP_PER_LEVEL,
			)
		logger.debug("granted %s xp to %s", amount, user_id)
		xp, level = row
		return xp, level

	async def get_balance(self, user_id: int) -> int:
		row = await self.pool.fetchrow("SELECT balance FROM balances WHERE user_id = $1", user_id)
		return row["balance"]

	async def member_card(self, user_id: int) -> dict[str, Any]:
		return dict(
			await self.pool.fetchrow(
				"SELECT u.name, x.level, b.balance FROM users u "
				"JOIN xp x USING (user_id) JOIN balances b USING (user_id) "
				"WHERE u.user_id = $1",
				user_id,
			)
		)

	async def find_member(self, user_id: int) -> dict[str, Any]:
		row = await self.pool.fetchrow("SELECT * FROM users WHERE user_id = $1", user_id)
		return dict(row) if row else {}

	async def nickname(self, user_id: int) -> Optional[str]:
		row = await self.pool.fetchrow("SELECT name FROM users WHERE user_id = $1", user_id)
		if row is None:
			return None
		return row["name"]

	async def buy(self, user_id: int, price: int) -> bool:
		"""Charge ``price`` coins if the member can afford it."""
		async with self.pool.acquire() as conn:
			async with conn.transaction():
				row = await conn.fetchrow(
					"SELECT balance FROM balances WHERE user_id = $1 FOR UPDATE", user_id
				)
				if row and row["balance"] >= price:
					await conn.execute(
						"UPDATE balances SET balance = balance - $2 WHERE user_id = $1",
						user_id,
						price,
					)
					return True
		return False

	async def top_members(self, limit: int = 10) -> list[tuple[str, int]]:
		rows = await self.pool.fetch(
			"SELECT u.name, x.xp FROM xp x JOIN users u USING (user_id) "
			"ORDER BY x.xp DESC LIMIT $1",
			limit,
		)
		return [(row["name"], row["xp"]) for row in rows]

	async def member_count(self) -> int:
		return await self.pool.fetchval("SELECT COUNT(*) FROM users")

	async def close(self) -> None:
		await self.pool.close()
