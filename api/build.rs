//! Ties every workspace crate's build to the checkout it is built from.
//!
//! Clones share one cargo build directory (scripts/tools.sh), and cargo
//! names a workspace crate's outputs by its path inside the workspace, not
//! the checkout's: without this, a crate built from one clone is taken as
//! up to date in another whose sources are older on disk, though they
//! differ. Every workspace crate depends on this one, so when
//! `FRONTDESK_ROOT` (the checkout, exported by scripts/tools.sh) changes,
//! this crate and everything above it are rebuilt.

fn main() {
    println!("cargo:rerun-if-env-changed=FRONTDESK_ROOT");
    println!("cargo:rerun-if-changed=build.rs");
}
