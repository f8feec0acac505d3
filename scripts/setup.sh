#!/usr/bin/env bash
# Creates ./.venv with the app and its development tools; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: $PYTHON not found; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: $("$PYTHON" --version 2>&1) is too old; Python 3.11 or newer is needed (set PYTHON=…)" >&2
  exit 1
fi
# A venv without pip (Debian without python3-venv leaves one behind) is not a venv: rebuild it.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  if ! "$PYTHON" -m venv .venv; then
    rm -rf .venv
    echo "setup: '$PYTHON -m venv' failed; on Debian or Ubuntu install python3-venv" \
      "(sudo apt-get install python3-venv) and run this again" >&2
    exit 1
  fi
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the bot and its development tools into ./.venv (first run only)" >&2
  .venv/bin/python -m pip install -qq --upgrade pip
  # -qq: errors only. At -q setuptools' notes on editable installs (a ten-line
  # "BuildBackendWarning: Editable installation … !!" block) greet every fresh setup.
  .venv/bin/python -m pip install -qq -e '.[dev]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
