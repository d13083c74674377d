//! The contract between the Frontdesk widget and its worker: what each side
//! sends ([`wire`]), how the worker says no ([`error`]), how a request becomes
//! trusted input ([`validate`]), which link targets help content may use
//! ([`links`]) and the Markdown subset a reply is shown in ([`markdown`]).
//!
//! Invariant: pure data and functions, serde only. The widget compiles this
//! crate and nothing else of the workspace, so it stays small.

#![warn(missing_docs)]

pub mod error;
pub mod links;
pub mod markdown;
pub mod validate;
pub mod wire;
