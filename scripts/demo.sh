#!/usr/bin/env bash
# The README's demo command: set up (first run only), then `leverage-bot demo`. No Slack needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/leverage-bot demo "$@"
