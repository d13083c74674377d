//! What the worker's use cases (`chat.rs`, `actions.rs`, `handoff.rs`, `feedback.rs`,
//! `replies.rs`, `deliver.rs`, `publish.rs`, `housekeeping.rs`) need from the
//! world, as one trait: the worker implements it on its bindings
//! (`ports/bindings.rs`), the native tests on SQLite, objects in memory, a
//! clock they move and the bundled help centre.

use frontdesk_api::wire::{LiveEvent, Role};
use frontdesk_shared::actions::call;
use frontdesk_shared::config::limits::Kind;
use frontdesk_shared::llm::Tool;
use frontdesk_shared::retrieval::{Context, Turn};
use frontdesk_shared::tickets::Ticket;

use crate::actions::ApiAnswer;
use crate::blobs::Blobs;
use crate::db::Sql;
use crate::deliver::Sink;
use crate::email;
use crate::limits::Who;
use crate::settings::{EmailSettings, SinkSettings};
use crate::AppError;

pub(crate) trait Ports {
    type Db: Sql;
    fn db(&self) -> &Self::Db;
    type Blobs: Blobs;
    /// Where the index's segments and the passage vectors are stored.
    fn blobs(&self) -> &Self::Blobs;
    /// Milliseconds since the epoch.
    fn now(&self) -> i64;
    /// A new random id (a v4 UUID): a conversation's, or a content
    /// update's (its writer id).
    fn new_id(&self) -> Result<String, AppError>;
    /// A new ticket reference.
    fn new_reference(&self) -> Result<String, AppError>;
    /// Counts one request of `kind` by `who` against every limit that
    /// applies, or refuses it (`AppError::RateLimited`, nothing counted);
    /// whether `who` has model tokens left today (asked only when `model`).
    async fn admit(&self, who: &Who, kind: Kind, model: bool) -> Result<bool, AppError>;
    /// [`Ports::admit`] for several kinds at once, each with its cost: all
    /// of them, or none.
    async fn admit_all(&self, who: &Who, costs: &[(Kind, u64)]) -> Result<(), AppError>;
    /// Gives back `cost` of `kind` that `who` was charged and did not use.
    async fn refund(&self, who: &Who, kind: Kind, cost: u64);
    /// Whether a turn on `message` rests on retrieval on the live content
    /// (`Index::rests_on_retrieval`: no search is made).
    async fn rests_on_retrieval(
        &self,
        message: &str,
        ctx: &Context<'_>,
        topics: Option<&[String]>,
    ) -> bool;
    /// The engine's turn on the live content.
    async fn turn(&self, message: &str, ctx: &Context<'_>, topics: Option<&[String]>) -> Turn;
    /// The always-human topic (of `topics`, else all) `text` is on, if any.
    async fn always_human(&self, text: &str, topics: Option<&[String]>) -> Option<String>;
    /// The embedding model's similarity of `message` to each article, when
    /// one is configured and answers in time.
    async fn similarities(&self, message: &str) -> Option<Vec<f32>>;
    /// Routes a new ticket (records its team and sinks) and returns the
    /// configured sinks it goes to.
    fn route(&self, ticket: &mut Ticket) -> Vec<Sink>;
    /// The sinks tickets can be delivered to, with their settings.
    fn sinks(&self) -> SinkSettings;
    /// Queues one delivery of ticket `reference` per sink (a failure is
    /// logged: the rows stay pending and the scheduled run queues them
    /// again).
    async fn enqueue(&self, reference: &str, sinks: &[Sink]);
    /// Drops the content this isolate answers from: a content update is
    /// about to build segments, and the memory goes to them.
    fn drop_content(&self);
    /// Content version `version` has just landed: this isolate loads it
    /// and answers from it at once (a failure is logged: the next request
    /// reads it).
    async fn reload_content(&self, version: i64);
    /// `POST url` with a JSON body and these headers; an error when the
    /// answer is not 2xx (`HTTP <status>: <body excerpt>`) or does not come
    /// within `timeout_ms`.
    async fn post(
        &self,
        url: &str,
        body: String,
        headers: &[(&str, String)],
        timeout_ms: u64,
    ) -> Result<(), String>;
    /// `GET url` with these headers: the body of a 2xx answer (at most
    /// 1 MB), else an error (`HTTP <status>: <excerpt>`, or no answer
    /// within `timeout_ms`).
    async fn get(
        &self,
        url: &str,
        headers: &[(&str, String)],
        timeout_ms: u64,
    ) -> Result<String, String>;
    /// Sends one action request to a site's API (redirects are not
    /// followed); its answer, or [`ApiAnswer::NoAnswer`] after
    /// `timeout_ms`.
    async fn call_api(&self, request: &call::Request, timeout_ms: u64) -> ApiAnswer;
    /// The configured model's answer to a tool-calling request offering
    /// `tools` for the visitor's `message` (`actions::choose::prompt`, with
    /// personal data redacted as configured; `llm::tools_request`): its
    /// body, and whether it came as a stream; the tokens it used are
    /// charged to `who`. An error when no model is configured, or it fails
    /// or does not answer in time.
    async fn choose(
        &self,
        who: &Who,
        message: &str,
        tools: &[Tool],
    ) -> Result<(String, bool), String>;
    /// Sends `event` to the live connections of conversation `id` (its
    /// visitor's only, with `side`); a failure is logged (what was stored
    /// reaches them by the catch-up or the long poll).
    async fn broadcast(&self, id: &str, event: &LiveEvent, side: Option<Role>);
    /// Replies by e-mail, when configured.
    fn email(&self) -> Option<EmailSettings>;
    /// Queues an e-mail [`email::Job`] to run `delay_secs` from now (a
    /// failure is logged: the reply stays in the widget).
    async fn enqueue_email(&self, job: &email::Job, delay_secs: u32);
    /// A new reply token (`shared::email::reply_token`, 128 random bits).
    fn new_token(&self) -> Result<String, AppError>;
    /// The worker secret (or var) `name`, if set.
    fn secret(&self, name: &str) -> Option<String>;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: i64);
    /// Notes something for the operator's log.
    fn log(&self, message: &str);
}

pub(crate) mod bindings;
#[cfg(test)]
pub(crate) mod world;
