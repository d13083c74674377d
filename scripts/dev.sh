#!/usr/bin/env bash
# `make dev`: build everything, apply D1 migrations to the local database,
# start the local embedding model (scripts/embedder.sh; hybrid retrieval)
# and the demo store's order API (demo/api/orders.mjs, for actions), and
# serve demo page + widget + API offline on http://localhost:8787 (the
# store with actions: /store.html).
# If the model cannot start, the worker answers with the lexical engine
# alone (and says so in its log). FRONTDESK_EMBEDDINGS=off skips it.
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
PORT=${PORT:-8787}
EMBED_PORT=${EMBED_PORT:-8300}
bash scripts/build.sh
wrangler d1 migrations apply DB --local >&2
# The demo store (/store.html) and its actions: the store's order API on
# loopback (demo/api/orders.mjs), and the secrets that sign its requests,
# the confirmations and the demo visitors' identities, made once per
# checkout (random, never committed) and handed to wrangler as secrets.
SECRETS=.wrangler/dev-secrets.env
if [ ! -s "$SECRETS" ]; then
  mkdir -p .wrangler
  key() { head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }
  (umask 077 && printf 'SHOP_API_SECRET=whsec_%s\nACTION_CONFIRM_SECRET=%s\nIDENTITY_SECRET=%s\n' \
    "$(head -c 32 /dev/urandom | base64 -w0)" "$(key)" "$(key)" > "$SECRETS")
fi
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
DEMO_API_SECRET=$(sed -n 's/^SHOP_API_SECRET=//p' "$SECRETS") \
  DEMO_IDENTITY_SECRET=$(sed -n 's/^IDENTITY_SECRET=//p' "$SECRETS") \
  node demo/api/orders.mjs &
PIDS+=($!)
VARS=(--env-file "$SECRETS")
if [ "${FRONTDESK_EMBEDDINGS:-on}" != off ]; then
  bash scripts/embedder.sh serve "$EMBED_PORT" &
  EMBEDDER=$!
  PIDS+=("$EMBEDDER")
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$EMBED_PORT/health" >/dev/null 2>&1 && break
    kill -0 "$EMBEDDER" 2>/dev/null || break
    sleep 0.5
  done
  if curl -fsS "http://127.0.0.1:$EMBED_PORT/health" >/dev/null 2>&1; then
    VARS+=(--var AI_EMBEDDINGS:openai
      --var "AI_EMBEDDING_BASE_URL:http://127.0.0.1:$EMBED_PORT/v1"
      --var AI_EMBEDDING_MODEL:multilingual-e5-small-q4
      --var AI_EMBEDDING_INPUT_TYPE:on)
  else
    fd_log "the local embedding model did not start: lexical retrieval only"
  fi
fi
fd_log "Frontdesk demo: http://localhost:$PORT  (actions: http://localhost:$PORT/store.html; Ctrl+C to stop)"
wrangler dev --local --ip localhost --port "$PORT" --show-interactive-dev-session=false "${VARS[@]}"
