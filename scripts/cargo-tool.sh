# Sourced by tools.sh and fuzz.sh: fd_cargo_tool installs one pinned cargo
# tool from crates.io, once, into $FRONTDESK_CACHE/cargo/CRATE-VERSION (shared
# by every clone), and puts it on PATH. Needs FRONTDESK_CACHE set.

fd_log() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

# fd_cargo_tool CRATE VERSION BINARY [cargo install flags...]
fd_cargo_tool() {
  local crate=$1 version=$2 bin=$3
  shift 3
  local dir="$FRONTDESK_CACHE/cargo/$crate-$version"
  if [ ! -x "$dir/bin/$bin" ]; then
    fd_log "installing $crate $version (first time only; 10-25 min on 2 cores)"
    rm -rf "$dir.partial"
    cargo install "$@" "$crate" --version "$version" --root "$dir.partial" >&2
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
  fi
  PATH="$dir/bin:$PATH"
}
