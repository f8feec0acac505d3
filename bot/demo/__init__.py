"""`leverage-bot demo`: a synthetic organisation run through the real flows, offline."""

from pathlib import Path

# Where the demo writes by default (its database, chart and report); `leverage-bot --demo …`
# reads this folder's database.
DEFAULT_OUT = Path("leverage-demo")
