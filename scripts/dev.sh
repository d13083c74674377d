#!/usr/bin/env bash
# `make dev`: build everything, apply D1 migrations to the local database,
# and serve demo page + widget + API offline on http://localhost:8787.
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
PORT=${PORT:-8787}
bash scripts/build.sh
wrangler d1 migrations apply DB --local >&2
fd_log "Frontdesk demo: http://localhost:$PORT  (Ctrl+C to stop)"
exec wrangler dev --local --ip localhost --port "$PORT" --show-interactive-dev-session=false
