//! Frontdesk's pure core: the versioned wire types both sides speak, and the
//! logic that needs no IO — help-content parsing, text analysis, retrieval and
//! the answer / suggest / escalate decision.
//!
//! Invariant: nothing in this crate touches the network, storage, a clock or a
//! random number generator. Callers inject those.

pub mod error;
pub mod limits;
pub mod links;
pub mod reference;
pub mod validate;
pub mod wire;

#[cfg(feature = "engine")]
pub mod ai;
#[cfg(feature = "engine")]
pub mod config;
#[cfg(feature = "engine")]
pub mod content;
#[cfg(feature = "engine")]
pub mod engine;
#[cfg(feature = "engine")]
pub mod guard;
#[cfg(feature = "engine")]
pub mod identity;
#[cfg(feature = "import")]
pub mod import;
#[cfg(feature = "engine")]
pub mod insights;
#[cfg(feature = "engine")]
pub mod intent;
#[cfg(feature = "engine")]
pub mod kb;
#[cfg(feature = "engine")]
pub mod phrases;
#[cfg(feature = "engine")]
pub mod redact;
#[cfg(feature = "engine")]
pub mod routing;
#[cfg(feature = "engine")]
pub mod sinks;
#[cfg(feature = "engine")]
pub mod siteconf;
#[cfg(feature = "engine")]
pub mod sites;
#[cfg(feature = "engine")]
pub mod summary;
#[cfg(feature = "engine")]
pub mod text;
#[cfg(feature = "engine")]
pub mod ticket;
#[cfg(feature = "engine")]
pub mod webhook;
