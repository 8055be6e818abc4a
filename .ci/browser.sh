#!/usr/bin/env bash
# CI: the real-browser journeys (pytest -m browser) on the database the caller selects.
#   DATABASE_URL=postgres://... REDIS_URL=redis://... .ci/browser.sh
# Installs Debian's Chromium if it is missing (never `playwright install`). On failure prints
# where each failing test left its URL, screenshot and Playwright trace.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian Chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true

echo "== browser tests on ${DATABASE_URL:-the embedded SQLite default}"
rm -rf test-results/browser
status=0
make test-browser || status=$?
if [ "$status" -ne 0 ]; then
  echo "== browser tests failed; artefacts (URL, screenshot, trace) per failing test:"
  if [ -d test-results/browser ]; then
    find test-results/browser -mindepth 1 -maxdepth 1 -type d -printf '  %p\n'
    echo "  open a trace with: .venv/bin/playwright show-trace <folder>/trace1.zip"
  else
    echo "  none saved (the failure happened outside a browser test)"
  fi
fi
exit "$status"
