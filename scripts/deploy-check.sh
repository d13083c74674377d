#!/usr/bin/env bash
# `make deploy-check`: what `wrangler deploy` would upload, without deploying
# (`wrangler deploy --dry-run`: the custom build runs, bindings are checked,
# nothing leaves the machine). Prints the worker's upload size as wrangler
# reports it and the static assets next to it, and fails when the worker's
# gzip size is over budget (issue 7: ≤ 1 MB gzip; MB = 1,000,000 B here, the
# stricter reading; Cloudflare's own limit is 3 MB on the free plan).
set -euo pipefail
BUDGET=${DEPLOY_BUDGET:-1000000}
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
out=dist/deploy-check
rm -rf "$out"
log=$(wrangler deploy --dry-run --outdir "$out" 2>&1) || { echo "$log" >&2; exit 1; }
line=$(grep -E "Total Upload: .* gzip: " <<<"$log") || { echo "$log" >&2; echo "deploy-check: wrangler printed no upload size" >&2; exit 1; }
echo "worker upload (wrangler deploy --dry-run): ${line#*Total Upload: }"
gzip_bytes=$(sed -E 's/.*gzip: ([0-9.]+) KiB.*/\1/' <<<"$line" | awk '{printf "%d", $1 * 1024}')
assets=$(find dist/public -type f | wc -l)
assets_gz=$(find dist/public -type f -exec sh -c 'gzip -9 -c "$1" | wc -c' _ {} \; | awk '{s += $1} END {print s}')
printf 'static assets (dist/public, uploaded apart from the worker): %d files, %d B gzip\n' "$assets" "$assets_gz"
printf 'worker gzip: %d B (budget %d)\n' "$gzip_bytes" "$BUDGET"
if [ "$gzip_bytes" -gt "$BUDGET" ]; then
  echo "OVER BUDGET: the worker's upload is $gzip_bytes B gzip > $BUDGET B" >&2
  exit 1
fi
