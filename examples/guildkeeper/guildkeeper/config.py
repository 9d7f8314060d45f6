"""Runtime configuration of the bot, read once from the environment.

``load_settings()`` is called by the bot's entry point and by the maintenance
tasks; everything it needs comes from ``GUILDKEEPER_*`` variables so that the
same image runs in every guild's deployment.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

DEFAULT_PREFIX = "!"
DEBUG = os.getenv("GUILDKEEPER_DEBUG", "") == "1"
LOCALE = os.environ.get("GUILDKEEPER_LOCALE", "en")


@dataclass(frozen=True)
class Settings:
    prefix: str
    shard_count: int
    xp_per_message: int
    cooldown_seconds: float
    daily_bonus: int
    pg_host: str
    pg_port: int
    cache_host: str
    cache_port: int


def _cache_address(address: str) -> tuple[str, int]:
    """Split ``"cache-host:6379"`` into host and port."""
    host = address.split(":")[0]
    port = int(address.split(":")[1])
    return host, port


def _daily_bonus() -> int:
    raw = os.getenv("GUILDKEEPER_DAILY_BONUS", "")
    if raw.isdigit():
        return int(raw)
    return 50


def load_settings() -> Settings:
    shards = int(os.getenv("GUILDKEEPER_SHARDS", "1"))
    xp_per_message = int(os.environ["GUILDKEEPER_XP_PER_MESSAGE"])
    cooldown = float(os.environ.get("GUILDKEEPER_COOLDOWN"))
    try:
        prefix_length = int(os.getenv("GUILDKEEPER_PREFIX_LENGTH", "1"))
    except ValueError:
        raise ValueError("GUILDKEEPER_PREFIX_LENGTH must be a whole number") from None
    prefix = os.getenv("GUILDKEEPER_PREFIX", DEFAULT_PREFIX)[:prefix_length]

    postgres = os.environ.get("GUILDKEEPER_PG_ADDRESS", "localhost:5432")
    parts = postgres.split(":")
    pg_host = parts[0]
    pg_port = int(parts[1])

    cache = os.environ.get("GUILDKEEPER_CACHE_ADDRESS", "localhost:6379")
    cache_host, cache_port = _cache_address(cache)

    print(f"loaded settings: {shards} shard(s), prefix {prefix!r}")
    if cooldown < 1:
        print("GUILDKEEPER_COOLDOWN below one second: members can farm xp", file=sys.stderr)
    return Settings(
        prefix=prefix,
        shard_count=shards,
        xp_per_message=xp_per_message,
        cooldown_seconds=cooldown,
        daily_bonus=_daily_bonus(),
        pg_host=pg_host,
        pg_port=pg_port,
        cache_host=cache_host,
        cache_port=cache_port,
    )


def shard_ids(spec: str) -> list[int]:
    """``"0-3"`` → ``[0, 1, 2, 3]``; a single number is one shard."""
    bounds = spec.split("-")
    if len(bounds) == 1:
        return [int(bounds[0])]
    return list(range(int(bounds[0]), int(bounds[1]) + 1))


def print_settings(settings: Settings) -> None:
    for field, value in vars(settings).items():
        print(f"{field:>18}: {value}")


def write_env_file(settings: Settings, out) -> None:
    """Write the settings back as ``KEY=value`` lines (for ``docker --env-file``)."""
    for field, value in vars(settings).items():
        print(f"GUILDKEEPER_{field.upper()}={value}", file=out)
