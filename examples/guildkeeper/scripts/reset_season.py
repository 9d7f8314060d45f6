"""Reset the leaderboard and the economy for a new season.

Usage: ``python scripts/reset_season.py SEASON`` (run by an admin, never by
the bot). Takes a backup first; see :func:`guildkeeper.maintenance.reset_season`.
"""

from __future__ import annotations

import os
import sys

from guildkeeper.maintenance import reset_season


def confirm(season: int) -> bool:
    print(f"About to reset season {season} on {os.environ.get('GUILDKEEPER_DSN', 'localhost')}.")
    answer = input("Type the season number to confirm: ")
    return answer.strip() == str(season)


def run(season: int) -> int:
    if not confirm(season):
        print("Aborted: nothing was changed.", file=sys.stderr)
        return 1
    reset_season(season)
    print(f"Season {season} reset. The backup is in $GUILDKEEPER_BACKUP_DIR.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: reset_season.py SEASON", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(int(sys.argv[1])))
