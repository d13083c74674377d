//! Mapping between Frontdesk and text-generation providers: everything about
//! generated answers except the HTTP, which the worker does.
//!
//! Two providers: any OpenAI-compatible Chat Completions endpoint, and
//! Cloudflare Workers AI through the `AI` binding. The flow for one question:
//!
//! 1. [`grounded_prompt`] turns the question and the retrieved passages into
//!    chat [`Message`]s that confine the model to those passages.
//! 2. [`Provider::request`] wraps them in the request body.
//! 3. The worker feeds the response bytes into an [`SseDecoder`] and each
//!    event's data into [`Provider::parse_event`] (or, when the provider
//!    ignored `stream: true`, the whole body into [`Provider::parse_body`]).
//! 4. The text deltas go into an [`AnswerAccumulator`], which says what is safe
//!    to show the visitor now and, at the end, whether the model answered.
//!
//! Tool calling ([`tools_request`], [`tool_call`]) lets the model propose
//! one of a site's actions; plus the embeddings mapping for `@cf/baai/bge-m3` and [`cosine`].
//!
//! Pure, like the rest of the crate: no IO, no clock, no randomness.

use std::fmt;

mod answer;
mod embeddings;
pub mod guard;
mod prompt;
mod provider;
pub mod redact;
mod sse;
pub mod summary;
mod tools;

pub(crate) use answer::has_words;
pub use answer::{AnswerAccumulator, AnswerOutcome, Finished};
pub use embeddings::{
    cosine, embeddings_url, norm, pack_matrix, parse_embeddings, parse_openai_embeddings,
    unpack_matrix, EmbeddingOutput, EmbeddingRequest, OpenAiEmbeddingRequest, Packed,
};
pub(crate) use prompt::{defuse_tags, truncate_chars};
pub use prompt::{grounded_prompt, GroundedPrompt, Message, MessageRole, Passage};
pub use provider::{
    chat_completions_url, is_event_stream, usage_tokens, CompletionRequest, Delta, Provider,
};
pub use sse::{SseDecoder, SseEvent};
pub use tools::{tool_call, tools_request, Tool, ToolCall, MAX_TOOL_TOKENS};

/// What the model must reply, exactly, when the sources do not answer the
/// question. A sentinel rather than free text, so "no answer" is a decision
/// the worker can act on (escalate) in any language.
pub const NO_ANSWER: &str = "NO_ANSWER";
/// Most passages put in one prompt; more dilute the model's attention and
/// the cost grows with every token.
pub const MAX_SOURCES: usize = 5;
/// Longest passage in the prompt, in characters (ellipsis included).
pub const MAX_PASSAGE_CHARS: usize = 1500;
/// The word limit the prompt asks for: a chat bubble, not an article.
pub const MAX_ANSWER_WORDS: usize = 120;
/// Longest answer shown to the visitor, in characters (ellipsis included).
/// Well above [`MAX_ANSWER_WORDS`] words in any language, so it only cuts a model
/// that ignored the word limit.
pub const MAX_ANSWER_CHARS: usize = 1500;
/// Low: answers should restate the sources, not be creative.
pub const TEMPERATURE: f64 = 0.1;
/// Token cap for one answer; room for [`MAX_ANSWER_WORDS`] words in any
/// language, small enough to bound cost and latency.
pub const MAX_TOKENS: u32 = 400;
/// Multilingual embedding model on Workers AI.
pub const EMBEDDING_MODEL: &str = "@cf/baai/bge-m3";

// ---------------------------------------------------------------------------
// Errors

/// Why a provider's output could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiError {
    /// The provider reported an error in-band (`{"error": …}`); its message.
    Provider(String),
    /// Not JSON, or JSON of the wrong shape.
    Garbage(String),
    /// Embeddings whose declared shape does not match their data or request.
    Shape(String),
}

impl fmt::Display for AiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AiError::Provider(m) => write!(f, "provider error: {m}"),
            AiError::Garbage(m) => write!(f, "unusable provider output: {m}"),
            AiError::Shape(m) => write!(f, "malformed embeddings: {m}"),
        }
    }
}

impl std::error::Error for AiError {}
