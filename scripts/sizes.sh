#!/usr/bin/env bash
# Prints the gzip size of what a visitor downloads, and the worker's upload.
set -euo pipefail
cd "$(dirname "$0")/.."
gz() { gzip -9 -c "$1" | wc -c; }
row() { printf '%-28s %9d B raw %9d B gzip\n' "$1" "$(wc -c < "$2")" "$(gz "$2")"; }
row "loader widget.js" dist/public/widget.js
row "app.js (glue + css)" dist/public/widget/app.js
row "app.wasm" dist/public/widget/app.wasm
app=$(( $(gz dist/public/widget/app.js) + $(gz dist/public/widget/app.wasm) ))
printf '%-28s %9s      %9d B gzip\n' "widget total (loader+app)" "" "$(( app + $(gz dist/public/widget.js) ))"
row "worker index.js" edge/build/index.js
row "worker index_bg.wasm" edge/build/index_bg.wasm
# What `wrangler deploy` would upload (worker + bindings), without deploying.
. scripts/tools.sh
wrangler deploy --dry-run --outdir dist/deploy-check 2>&1 | grep -E "Total Upload" | sed 's/^/worker upload (dry run): /'
