#!/usr/bin/env bash
# Started by Playwright (e2e/playwright.config.ts): a fresh local D1 under
# .wrangler/e2e, migrated, then `wrangler dev` on the given port. Playwright
# stops it when the suite ends.
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
PORT=${1:?port}
STATE=.wrangler/e2e
rm -rf "$STATE"
wrangler d1 migrations apply DB --local --persist-to "$STATE" >&2
exec wrangler dev --local --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE" \
  --show-interactive-dev-session=false
