"""`leverage-bot demo`: a synthetic organisation run through the real flows, offline."""

from pathlib import Path

# Where the demo writes by default (its database, chart and report); `leverage-bot --demo …`
# reads this folder's database.
DEFAULT_OUT = Path("leverage-demo")
# The demo's key for one-way hashes (claim codes, disclosure references): not a secret, since
# the demo's data is synthetic; the CLI needs the same key to read its references.
DEMO_HASH_KEY = "demo-hash-key"
