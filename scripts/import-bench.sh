#!/usr/bin/env bash
# Import throughput (printed, not asserted): builds frontdesk-import with the
# speed-optimized `import-bench` profile and runs scripts/import-bench.mjs,
# which imports the samples replicated to ~2,000 articles per importer, the
# sitemap path over a loopback server. `make import-bench`; extra arguments
# go to the script (e.g. --target 5000).
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
cargo build --locked --profile import-bench -p frontdesk-import
node scripts/import-bench.mjs "$CARGO_TARGET_DIR/import-bench/frontdesk-import" "$@"
