#!/usr/bin/env bash
# The README's test command (CI runs the same): set up (first run only), then the whole suite.
# Runs on SQLite; set TEST_DATABASE_URL=postgresql://user:pass@host/db to run it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
