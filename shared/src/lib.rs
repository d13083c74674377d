//! Frontdesk's domains as pure logic, one folder each:
//!
//! - [`text`]: language detection, word analysis, the visitor's intents
//!   (talk to a person, small talk, frustration) and the bot's own phrases.
//! - [`retrieval`]: help articles, the index, the answer / suggest /
//!   escalate decision and its wording.
//! - [`llm`]: model providers (prompt, request and stream formats, the answer
//!   accumulator, embeddings), the output guard, redaction, ticket summaries.
//! - [`tickets`]: the ticket and its triage, routing, sinks' bodies, webhook
//!   signing, references.
//! - [`identity`]: verified visitor identities.
//! - [`actions`]: what the bot looks up or does through a site's own API:
//!   recognising, asking, confirming, the signed request, the reply.
//! - [`config`]: the deployment (`frontdesk.toml`), its sites, their
//!   settings, and the abuse limits.
//! - [`insights`]: what the bot did, for the team.
//! - [`email`]: replies by e-mail: the message, the provider request, the
//!   reply address and the visitor's answer read back.
//! - [`import`] (feature `import`): help-content importers, host tools only.
//!
//! The wire types the widget and worker speak are their own crate,
//! `frontdesk-api`.
//!
//! Invariant: nothing in this crate touches the network, storage, a clock or a
//! random number generator. Callers inject those.

#![warn(missing_docs)]

pub mod actions;
pub mod attachments;
pub mod config;
pub mod email;
pub mod error;
pub mod identity;
#[cfg(feature = "import")]
pub mod import;
pub mod insights;
pub mod llm;
pub mod retrieval;
pub mod text;
pub mod tickets;
