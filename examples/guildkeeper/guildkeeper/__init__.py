"""guildkeeper: persistence and maintenance for a Discord community bot.

Two storage back ends are provided:

* :class:`~guildkeeper.db.GuildDatabase` - synchronous sqlite3, for local
  development and small single-server installs;
* :class:`~guildkeeper.pg_store.PgStore` - asyncpg on a connection pool, for
  the hosted multi-guild bot.

Season resets and backups live in :mod:`guildkeeper.maintenance`.
"""

from .db import GuildDatabase, Profile
from .pg_store import PgStore

__all__ = ["GuildDatabase", "PgStore", "Profile"]
__version__ = "0.4.2"
