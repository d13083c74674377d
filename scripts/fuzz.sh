#!/usr/bin/env bash
# `make fuzz` (and a step of `make test`): builds the cargo-fuzz targets in
# fuzz/ and runs each for a fixed number of iterations with a fixed seed,
# starting from the committed corpus in fuzz/corpus/<target>/ (every input
# in it is run first, so a crash once found and kept there is a regression
# test). Prints per target what it ran and what happened; exits non-zero on
# any crash, panic, failed invariant or hang.
#
# Stable Rust is enough: no sanitizer (`-s none`; our crates forbid unsafe
# code), with debug assertions and overflow checks on (`-a`). cargo-fuzz is
# pinned and installed once from crates.io into ~/.cache/frontdesk; the
# build's target directory is cached there too, keyed by the toolchain and
# fuzz/Cargo.lock, so a fresh clone does not compile the dependencies again.
#
#   FUZZ_RUNS=N      iterations per target instead of the defaults below
#   FUZZ_SEED=S      libFuzzer's -seed (default fixed, so runs repeat exactly)
#   FUZZ_TARGETS="a b"  only these targets
set -euo pipefail
FRONTDESK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The targets read this checkout's kb/ (engine_turn), not the one they were
# built in: the build is shared by every clone.
export FRONTDESK_ROOT
FRONTDESK_CACHE=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
. "$FRONTDESK_ROOT/scripts/cargo-tool.sh"

CARGO_FUZZ_VERSION=0.13.2
fd_cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz --locked

# Iterations per target, chosen so the whole run takes about 2–3 minutes on
# two cores once built (the slow targets build an index per input).
declare -A RUNS=(
  [wire]=300000
  [help_article]=3000
  [tokenizer]=3000
  [engine_turn]=15000
  [ai_stream]=60000
  [markdown]=200000
  # Every importer per input (Markdown dialects, HTML, sitemap, Zendesk,
  # Intercom), each output checked by the article parser: ~9 ms a run.
  [import]=2000
  # An action parameter's pattern against a message: bounded backtracking.
  [action_pattern]=100000
)
TARGETS=(${FUZZ_TARGETS:-wire help_article tokenizer engine_turn ai_stream markdown import action_pattern})
SEED=${FUZZ_SEED:-1795372553}

cd "$FRONTDESK_ROOT/fuzz"
# The lock is committed: fail rather than resolve other versions.
cargo fetch --locked --quiet

key=$( (rustc -vV; cat Cargo.lock; echo "cargo-fuzz $CARGO_FUZZ_VERSION") | sha256sum | cut -c1-16)
target_dir="$FRONTDESK_CACHE/fuzz/target-$key"
mkdir -p "$FRONTDESK_CACHE/fuzz"
# Another toolchain's or lock's build is of no more use: keep the disk.
for old in "$FRONTDESK_CACHE"/fuzz/target-*; do
  [ -d "$old" ] && [ "$old" != "$target_dir" ] && rm -rf "$old"
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '\033[1m[fuzz]\033[0m building the targets (target dir %s)\n' "$target_dir"
start=$SECONDS
if ! cargo fuzz build --sanitizer none --debug-assertions --target-dir "$target_dir" \
  >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  exit 1
fi
bin_dir="$target_dir/$(rustc -vV | sed -n 's/^host: //p')/release"
printf '\033[1m[fuzz]\033[0m built in %ss\n' $((SECONDS - start))

artifacts="$FRONTDESK_ROOT/fuzz/artifacts"
failed=()
total=$SECONDS
printf '\033[1m[fuzz]\033[0m each target: %s/TARGET -runs=N -seed=%s -timeout=10 NEW_DIR fuzz/corpus/TARGET\n' "$bin_dir" "$SEED"
printf '\n%-13s %9s %9s %10s %6s %6s %7s  %s\n' target runs corpus "corpus KB" new cov time result
for t in "${TARGETS[@]}"; do
  runs=${FUZZ_RUNS:-${RUNS[$t]}}
  corpus="corpus/$t"
  mkdir -p "$corpus" "$artifacts/$t" "$scratch/$t"
  files=$(find "$corpus" -type f | wc -l)
  kb=$(($(find "$corpus" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }') / 1024))
  log="$scratch/$t.log"
  t0=$SECONDS
  # New inputs go to the scratch directory (the first one named), so the
  # committed corpus only changes when someone minimizes it on purpose.
  set +e
  "$bin_dir/$t" -runs="$runs" -seed="$SEED" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t/" \
    "$scratch/$t" "$corpus" >"$log" 2>&1
  status=$?
  set -e
  secs=$((SECONDS - t0))
  done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2 || true)
  new=$(find "$scratch/$t" -type f | wc -l)
  if [ "$status" = 0 ] && grep -q '^Done [0-9]* runs' "$log"; then
    result="ok, 0 crashes"
  else
    result="CRASH (exit $status)"
    failed+=("$t")
  fi
  printf '%-13s %9s %9s %10s %6s %6s %6ss  %s\n' "$t" "${done_runs:-?}" "$files" "$kb" "$new" "${cov:-?}" "$secs" "$result"
  if [ "$status" != 0 ]; then
    cp "$log" "$artifacts/$t/last.log"
    # What failed and the input that did it (kept under fuzz/artifacts/).
    grep -E -A2 'panicked at' "$log" | head -8 | sed 's/^/    /' || true
    grep -E 'ERROR: libFuzzer|Test unit written' "$log" | head -4 | sed 's/^/    /' || true
    echo "    log: fuzz/artifacts/$t/last.log; replay: $bin_dir/$t <artifact>"
  fi
done
printf '\n\033[1m[fuzz]\033[0m %s targets, seed %s, %ss fuzzing; crashes: %s\n' \
  "${#TARGETS[@]}" "$SEED" $((SECONDS - total)) "${#failed[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
