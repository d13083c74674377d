#!/usr/bin/env bash
# `bash scripts/wrangler.sh ARGS...`: the project's pinned wrangler (and the
# Node 22 it needs), installed and cached by tools.sh, run from the checkout's
# root — for the deploy steps in README "Deploy to Cloudflare".
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
exec wrangler "$@"
