#!/usr/bin/env bash
# Builds everything `wrangler dev` / `wrangler deploy` serve:
#   dist/public/   static assets: demo page, widget.js loader, widget/app.{js,wasm,css}
#   edge/build/    the worker (worker-build output)
# Each half is skipped when its inputs have not changed since the last build.
set -euo pipefail
. "$(dirname "$0")/tools.sh"
cd "$FRONTDESK_ROOT"
# One build at a time (wrangler dev's watcher may start one while another runs).
mkdir -p dist
exec 9>dist/.build.lock
flock 9

# Panic locations in the wasm name their source files: without the registry's
# absolute path they are shorter (~140 B gzip off the widget; the standard
# library's /rustc/<commit>/ paths cannot be remapped). Cargo already names
# the workspace's own files relative to the checkout, so the flags name no
# clone: every clone shares the wasm dependency builds (tools.sh), and both
# wasm builds (widget and worker) share them with each other.
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
remap=""
for d in "$registry"/*/; do remap="$remap --remap-path-prefix=$d="; done
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$remap"

# inputs_hash PATH... : one hash over the tracked content of these paths.
inputs_hash() {
  { git ls-files -co --exclude-standard -- "$@" | sort | xargs -d '\n' sha256sum; echo "$PATH"; } | sha256sum | cut -c1-16
}

# (The loader, the nudge and live scripts are built on every run, below: not inputs here.)
widget_key=$(inputs_hash widget api ':!widget/loader.js' ':!widget/nudge.js' ':!widget/live.js' \
  ':!widget/answers.js' ':!widget/attach.js' Cargo.toml Cargo.lock Trunk.toml \
  scripts/build.sh)
if [ "$(cat dist/.widget-key 2>/dev/null)" != "$widget_key" ] || [ ! -f dist/public/widget/app.wasm ] \
  || [ ! -f dist/trunk/words.json ]; then
  fd_log "building widget (Trunk, release)"
  rm -rf dist/trunk dist/public
  trunk build --release --offline >&2
  mkdir -p dist/public/widget
  # A second wasm-opt pass after Trunk's -Oz: passes Trunk cannot be told to
  # run (flatten + rereloop, and what Rust's wasm guarantees: nothing below
  # address 1024, memory starts zeroed) take ~1.4 KB gzip off every download.
  # The producers and target-features sections are of no use to a browser.
  wasm-opt --low-memory-unused --zero-filled-memory --flatten --rereloop -Oz -Oz --converge \
    --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    dist/trunk/frontdesk-widget_bg.wasm -o dist/public/widget/app.wasm
  # The panel's CSS, minified; boot.js imports it as text.
  esbuild widget/widget.css --minify --outfile=dist/trunk/widget.min.css >&2
  # boot.js imports widget.css as text: one script, styles adopted in the
  # shadow root (see boot.js).
  esbuild widget/boot.js --bundle --format=iife --minify --target=es2020 --loader:.css=text \
    --log-override:empty-import-meta=silent --outfile=dist/public/widget/app.js >&2
  # The visitor's language's words: the loader's few inlined for every
  # language (below), the app's fetched by boot.js (English is built in).
  node scripts/i18n.mjs widget/i18n dist/public/widget/i18n > dist/trunk/words.json
  echo "$widget_key" > dist/.widget-key
fi
# The hand-written pages (demo site, agent inbox at /agent): no compile step,
# so they are copied on every build rather than rebuilding the widget.
# site/_headers gives static assets their headers (the inbox CSP).
cp -R site/. dist/public/

# edge/build.rs writes the widget's site settings (below) when it runs; with
# them missing (a cleaned dist/), make cargo run it again.
[ -f dist/sites-loader.json ] || touch frontdesk.toml
worker_key=$(inputs_hash edge api shared kb frontdesk.toml Cargo.toml Cargo.lock scripts/build.sh)
if [ "$(cat dist/.worker-key 2>/dev/null)" != "$worker_key" ] || [ ! -d edge/build ] || [ ! -f dist/sites-loader.json ]; then
  fd_log "building worker (worker-build, release)"
  (cd edge && worker-build --release >&2)
  # The wasm's function-name section is a fifth of the upload (about 97 KB
  # of ~1 MB gzip) and serves only stack traces: a panic's message and
  # file:line still reach the log (console_error_panic_hook). Kept with
  # FRONTDESK_WORKER_NAMES=1, for a build to debug with.
  if [ "${FRONTDESK_WORKER_NAMES:-}" != 1 ]; then
    wasm-opt --strip-debug --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      edge/build/index_bg.wasm -o edge/build/index_bg.stripped.wasm
    mv edge/build/index_bg.stripped.wasm edge/build/index_bg.wasm
  fi
  echo "$worker_key" > dist/.worker-key
fi

# The sites' public widget settings, written by edge/build.rs from the
# checked frontdesk.toml: one JSON per site (fetched by the app on open, and
# for a nudge's text), and the loader's inlined list (only the sites that
# change the launcher or have nudges). The loader is rebuilt on every build
# (esbuild, milliseconds), so a frontdesk.toml change reaches it without
# rebuilding the wasm.
# The proactive greeting bubble, fetched by the loader only on a page with
# a matching [[site.nudge]] (see nudge.js).
esbuild widget/nudge.js --minify --target=es2020 --log-level=warning --outfile=dist/public/widget/nudge.js >&2
# The live connection (WebSocket), fetched by boot.js once a conversation
# has a ticket (see live.js).
esbuild widget/live.js --minify --target=es2020 --log-level=warning --outfile=dist/public/widget/live.js >&2
# Thumbs and confirm cards, fetched by boot.js with the first answer that has
# them; the upload code, fetched the first time a file is picked, pasted or
# dropped (see answers.js, attach.js).
esbuild widget/answers.js --minify --target=es2020 --log-level=warning --outfile=dist/public/widget/answers.js >&2
esbuild widget/attach.js --minify --target=es2020 --log-level=warning --outfile=dist/public/widget/attach.js >&2
rm -rf dist/public/widget/site
mkdir -p dist/public/widget/site
cp dist/sites/*.json dist/public/widget/site/
version=$(cat dist/public/widget/app.* dist/public/widget/nudge.js dist/public/widget/live.js \
  dist/public/widget/answers.js dist/public/widget/attach.js dist/public/widget/i18n/* dist/public/widget/site/* \
  | sha256sum | cut -c1-12)
sites=$(cat dist/sites-loader.json)
esbuild widget/loader.js --minify --target=es2020 --define:VERSION="\"$version\"" \
  --define:WORDS="$(cat dist/trunk/words.json)" \
  --define:SITES="$(node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).sites))' "$sites")" \
  --define:SITE0="$(node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).default))' "$sites")" \
  --log-level=warning --outfile=dist/public/widget.js >&2
