# Source this file (". scripts/tools.sh"): it installs, once, every tool the
# build and the tests need, pinned, from package registries only, cached
# under ~/.cache/frontdesk (keyed by version, shared by every clone), and
# puts them on PATH. A second run with everything cached takes ~1 s.
#
# Nothing here downloads from GitHub or a browser CDN: worker-build and
# Trunk are pointed at the wasm-bindgen, wasm-opt and esbuild installed here.

set -euo pipefail
FRONTDESK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Exported: edge/build.rs reruns for another clone, and the fuzz targets read
# this clone's kb/ (the build directories are shared by every clone).
export FRONTDESK_ROOT
FRONTDESK_CACHE=${FRONTDESK_CACHE:-$HOME/.cache/frontdesk}
mkdir -p "$FRONTDESK_CACHE"

WORKER_BUILD_VERSION=0.8.7
TRUNK_VERSION=0.21.14
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' \
  "$FRONTDESK_ROOT/Cargo.lock")

. "$FRONTDESK_ROOT/scripts/cargo-tool.sh"

# Cargo's build directory, shared by every clone like the tools (and like the
# fuzz targets' in scripts/fuzz.sh): a fresh clone compiles only its own
# crates, not again the ~600 dependencies. Keyed by the toolchain; another
# toolchain's directory is removed. An explicit CARGO_TARGET_DIR wins.
# (Workspace crates are rebuilt when FRONTDESK_ROOT changes, see api/build.rs:
# two clones take turns, never each other's builds.)
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  fd_target_key=$(rustc -vV | sha256sum | cut -c1-16)
  export CARGO_TARGET_DIR="$FRONTDESK_CACHE/target/$fd_target_key"
  for fd_old in "$FRONTDESK_CACHE"/target/*; do
    [ -d "$fd_old" ] && [ "$fd_old" != "$CARGO_TARGET_DIR" ] && rm -rf "$fd_old"
  done
  mkdir -p "$CARGO_TARGET_DIR"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  fd_log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >&2
fi

fd_cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build --locked
# Not --locked: the crate's lock names a crate the registry no longer has.
fd_cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
fd_cargo_tool trunk "$TRUNK_VERSION" trunk --locked

# Chromium for the browser tests, from Debian (never a browser download).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    fd_log "installing Debian chromium and chromium-driver"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
  else
    fd_log "Chromium is missing: run 'sudo apt-get install chromium chromium-driver'"
    return 1 2>/dev/null || exit 1
  fi
fi

# npm tools (wrangler, a Node 22 runtime for it, esbuild, binaryen, Playwright),
# installed from the committed lock file into a cache keyed by its hash.
FD_NPM_KEY=$(cat "$FRONTDESK_ROOT/package.json" "$FRONTDESK_ROOT/package-lock.json" | sha256sum | cut -c1-16)
FD_NPM_DIR="$FRONTDESK_CACHE/npm/$FD_NPM_KEY"
if [ ! -e "$FD_NPM_DIR/.complete" ]; then
  fd_log "installing npm tools (lock $FD_NPM_KEY)"
  rm -rf "$FD_NPM_DIR"
  mkdir -p "$FD_NPM_DIR"
  cp "$FRONTDESK_ROOT/package.json" "$FRONTDESK_ROOT/package-lock.json" "$FD_NPM_DIR/"
  # `npm install` with the lock rather than `npm ci`: the lock lists other
  # platforms' optional workerd builds that this registry mirror may lack,
  # which `npm ci` rejects; the versions installed are the locked ones.
  (cd "$FD_NPM_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >&2)
  touch "$FD_NPM_DIR/.complete"
fi
if [ "$(readlink "$FRONTDESK_ROOT/node_modules" 2>/dev/null)" != "$FD_NPM_DIR/node_modules" ]; then
  rm -rf "$FRONTDESK_ROOT/node_modules"
  ln -s "$FD_NPM_DIR/node_modules" "$FRONTDESK_ROOT/node_modules"
fi
PATH="$FRONTDESK_ROOT/node_modules/.bin:$PATH"

export PATH FRONTDESK_ROOT FRONTDESK_CACHE
export WASM_BINDGEN_BIN="$FRONTDESK_CACHE/cargo/wasm-bindgen-cli-$WASM_BINDGEN_VERSION/bin/wasm-bindgen"
export WASM_OPT_BIN="$FRONTDESK_ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$FRONTDESK_ROOT/node_modules/.bin/esbuild"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROMIUM_BIN=${CHROMIUM_BIN:-$(command -v chromium)}
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export NO_D1_WARNING=true
