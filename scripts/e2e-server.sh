#!/usr/bin/env bash
# Started by Playwright (e2e/playwright.config.ts): a fresh local D1 under
# STATE (default .wrangler/e2e), migrated, then `wrangler dev` on PORT with
# its devtools on PORT+1000 (so two instances can run side by side). Extra
# arguments go to `wrangler dev` (e.g. `--var AI_PROVIDER:openai`).
# `--test-scheduled` lets tests run the cron handler via /__scheduled.
# With FD_E2E_LOG set, its output is also written to that file.
# Playwright stops it when the suite ends.
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
PORT=${1:?port}
STATE=${2:-.wrangler/e2e}
shift $(( $# < 2 ? $# : 2 ))
rm -rf "$STATE"
if [ -n "${FD_E2E_LOG:-}" ]; then
  : >"$FD_E2E_LOG"
  exec > >(tee -a "$FD_E2E_LOG") 2> >(tee -a "$FD_E2E_LOG" >&2)
fi
wrangler d1 migrations apply DB --local --persist-to "$STATE" >&2
exec wrangler dev --local --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE" \
  --inspector-port $((PORT + 1000)) --show-interactive-dev-session=false --test-scheduled "$@"
