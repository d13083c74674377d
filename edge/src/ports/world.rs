//! [`Ports`] for native tests: SQLite with the real migrations, objects in
//! memory, the bundled help centre's index (built from `kb/`, with its
//! texts), a clock the test moves, ids and references counted, limits
//! counted in memory.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use frontdesk_api::validate::HandoffInput;
use frontdesk_api::wire::{HandoffRequest, LiveEvent, Role};
use frontdesk_shared::actions::call;
use frontdesk_shared::actions::choose;
use frontdesk_shared::config::limits::Kind;
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::llm::{tools_request, Provider, Tool};
use frontdesk_shared::retrieval::{Context, Index, Thresholds, Turn};
use frontdesk_shared::tickets::reference::{format_reference, REFERENCE_BYTES};
use frontdesk_shared::tickets::{Requester, Ticket};

use super::Ports;
use crate::actions::ApiAnswer;
use crate::blobs::{Blobs, Stored};
use crate::db::sqlite::Sqlite;
use crate::deliver::{self, Sink};
use crate::email;
use crate::handoff::{self, Opened};
use crate::limits::Who;
use crate::live::{self, Live};
use crate::settings::{EmailSettings, SinkSettings};
use crate::{content, AppError};

pub(crate) const T0: i64 = 1_790_000_000_000;

/// A scripted model: the request body it is sent (in the
/// OpenAI-compatible format) to its answer (body, streamed?).
pub(crate) type Model = Box<dyn Fn(&serde_json::Value) -> Result<(String, bool), String>>;

pub(crate) struct World {
    pub db: Sqlite,
    pub blobs: Memory,
    /// The clock (shared with `blobs`, which dates what it stores).
    pub now: Rc<Cell<i64>>,
    pub ids: Cell<u32>,
    pub index: Index,
    /// Every admitted request: its limits key and kind.
    pub admitted: RefCell<Vec<(Who, Kind)>>,
    /// Requests admitted before every further one is refused.
    pub limit: usize,
    pub tokens_left: bool,
    pub logs: RefCell<Vec<String>>,
    /// What the embedding model answers (`None`: there is none).
    pub similarities: Option<Vec<f32>>,
    /// How many times it was asked.
    pub asked_similarities: Cell<u32>,
    /// How many turns the engine ran.
    pub turns: Cell<u32>,
    /// What was given back, by kind.
    pub refunds: RefCell<Vec<(Kind, u64)>>,
    /// Agent messages to store once the clock reaches their time:
    /// `(at, conversation, text)`.
    pub scheduled: RefCell<Vec<(i64, String, String)>>,
    /// How many times a use case waited.
    pub sleeps: Cell<u32>,
    /// The configured sinks (a webhook and Slack).
    pub sinks: SinkSettings,
    /// Every HTTP call: url, body, headers.
    pub posts: RefCell<Vec<Post>>,
    /// How the next calls are answered, in turn (then `Ok(())`).
    pub answers: RefCell<VecDeque<Result<(), String>>>,
    /// Every delivery queued: ticket reference and sink.
    pub queued: RefCell<Vec<(String, Sink)>>,
    /// The content a content update loaded back from what it stored
    /// (`Ports::reload_content`), as an isolate of the worker would.
    pub live: RefCell<Option<Live>>,
    /// SQL another worker runs the next time an id is minted: its write
    /// lands in the middle of a use case (a concurrent content update).
    pub meanwhile: RefCell<Option<String>>,
    /// Every request to a site's API.
    pub api_calls: RefCell<Vec<call::Request>>,
    /// How the site's API answers, in turn (then: no answer).
    pub api_answers: RefCell<VecDeque<ApiAnswer>>,
    /// Worker secrets by name.
    pub secrets: RefCell<BTreeMap<String, String>>,
    /// The model asked to choose a tool. `None`: there is none.
    pub model: Option<Model>,
    /// Every tool-calling request the model was sent.
    pub model_requests: RefCell<Vec<serde_json::Value>>,
    /// Everything sent to live connections: conversation, event, side.
    pub broadcasts: RefCell<Vec<(String, LiveEvent, Option<Role>)>>,
    /// Replies by e-mail (`None`: off).
    pub email: Option<EmailSettings>,
    /// How GET requests are answered, in turn (then a 404).
    pub got: RefCell<VecDeque<Result<String, String>>>,
    /// Every e-mail job queued, with its delay.
    pub emails_queued: RefCell<Vec<(email::Job, u32)>>,
}

/// [`Blobs`] in memory: each object's bytes and when it was written.
pub(crate) struct Memory {
    clock: Rc<Cell<i64>>,
    /// By key: the bytes, and when they were written (ms).
    pub objects: RefCell<BTreeMap<String, (Vec<u8>, i64)>>,
    /// Writes that succeed before every further one fails.
    pub puts_left: Cell<usize>,
}

impl Memory {
    /// Every stored key, in order.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.objects.borrow().keys().cloned().collect()
    }
}

impl Blobs for Memory {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, AppError> {
        Ok(self.objects.borrow().get(key).map(|(b, _)| b.clone()))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        let left = self.puts_left.get();
        if left == 0 {
            return Err(AppError::Internal(format!("put {key}: the store is down")));
        }
        self.puts_left.set(left - 1);
        self.objects
            .borrow_mut()
            .insert(key.to_owned(), (bytes, self.clock.get()));
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Stored>, AppError> {
        Ok(self
            .objects
            .borrow()
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, (b, at))| Stored {
                key: k.clone(),
                bytes: b.len() as u64,
                uploaded: *at,
            })
            .collect())
    }

    async fn delete(&self, keys: Vec<String>) -> Result<(), AppError> {
        let mut objects = self.objects.borrow_mut();
        for k in keys {
            objects.remove(&k);
        }
        Ok(())
    }
}

/// An HTTP call a use case made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Post {
    pub url: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Post {
    /// The value of header `name`.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The world's webhook secret.
pub(crate) const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

impl World {
    pub(crate) fn new() -> World {
        let now = Rc::new(Cell::new(T0));
        World {
            db: Sqlite::migrated(),
            blobs: Memory {
                clock: now.clone(),
                objects: RefCell::new(BTreeMap::new()),
                puts_left: Cell::new(usize::MAX),
            },
            now,
            ids: Cell::new(0),
            index: Index::build_with(&content::bundled_articles(), content::policy()),
            admitted: RefCell::new(Vec::new()),
            limit: usize::MAX,
            tokens_left: true,
            logs: RefCell::new(Vec::new()),
            similarities: None,
            asked_similarities: Cell::new(0),
            turns: Cell::new(0),
            refunds: RefCell::new(Vec::new()),
            scheduled: RefCell::new(Vec::new()),
            sleeps: Cell::new(0),
            sinks: SinkSettings {
                webhook: Some((
                    "https://hooks.example.com/frontdesk".into(),
                    WEBHOOK_SECRET.into(),
                )),
                slack: Some("https://hooks.slack.com/services/T0/B0/x".into()),
                ..SinkSettings::default()
            },
            posts: RefCell::new(Vec::new()),
            answers: RefCell::new(VecDeque::new()),
            queued: RefCell::new(Vec::new()),
            live: RefCell::new(None),
            meanwhile: RefCell::new(None),
            api_calls: RefCell::new(Vec::new()),
            api_answers: RefCell::new(VecDeque::new()),
            model: None,
            model_requests: RefCell::new(Vec::new()),
            broadcasts: RefCell::new(Vec::new()),
            email: None,
            emails_queued: RefCell::new(Vec::new()),
            got: RefCell::new(VecDeque::new()),
            secrets: RefCell::new(BTreeMap::new()),
        }
    }

    /// The one number `sql` selects.
    pub(crate) fn count(&self, sql: &str) -> i64 {
        self.db
            .with(|c| c.query_row(sql, [], |r| r.get(0)).unwrap())
    }
}

/// The `n`th conversation id the world hands out (a v4 UUID's shape).
pub(crate) fn conversation(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A configured site.
pub(crate) fn site(key: &str) -> &'static Site {
    content::sites().iter().find(|s| s.key == key).unwrap()
}

/// A new ticket on the demo site (a handoff without a conversation, which
/// starts one), stored with its deliveries: the ticket and its sinks.
pub(crate) async fn new_ticket(w: &World) -> (Ticket, Vec<Sink>) {
    let input = HandoffInput::try_from(HandoffRequest {
        conversation_id: None,
        email: "ada@example.com".into(),
        note: Some("please call me".into()),
        page_url: None,
        idempotency_key: None,
        identity: None,
    })
    .unwrap();
    let requester = Requester::unverified("ada@example.com");
    match handoff::open(
        w,
        site("demo"),
        &input,
        requester,
        None,
        "https://support.example",
    )
    .await
    {
        Ok(Opened::Created { ticket, sinks }) => (*ticket, sinks),
        other => panic!("{other:?}"),
    }
}

impl Ports for World {
    type Db = Sqlite;

    fn db(&self) -> &Sqlite {
        &self.db
    }

    type Blobs = Memory;

    fn blobs(&self) -> &Memory {
        &self.blobs
    }

    fn now(&self) -> i64 {
        self.now.get()
    }

    fn new_id(&self) -> Result<String, AppError> {
        if let Some(sql) = self.meanwhile.borrow_mut().take() {
            self.db.with(|c| c.execute_batch(&sql).unwrap());
        }
        self.ids.set(self.ids.get() + 1);
        Ok(conversation(self.ids.get()))
    }

    fn new_reference(&self) -> Result<String, AppError> {
        self.ids.set(self.ids.get() + 1);
        Ok(format_reference([self.ids.get() as u8; REFERENCE_BYTES]))
    }

    async fn admit(&self, who: &Who, kind: Kind, _model: bool) -> Result<bool, AppError> {
        if self.admitted.borrow().len() >= self.limit {
            return Err(AppError::RateLimited {
                retry_after_secs: 7,
            });
        }
        self.admitted.borrow_mut().push((who.clone(), kind));
        Ok(self.tokens_left)
    }

    async fn admit_all(&self, who: &Who, costs: &[(Kind, u64)]) -> Result<(), AppError> {
        if self.admitted.borrow().len() >= self.limit {
            return Err(AppError::RateLimited {
                retry_after_secs: 7,
            });
        }
        for &(kind, _) in costs {
            self.admitted.borrow_mut().push((who.clone(), kind));
        }
        Ok(())
    }

    async fn refund(&self, _who: &Who, kind: Kind, cost: u64) {
        self.refunds.borrow_mut().push((kind, cost));
    }

    async fn rests_on_retrieval(
        &self,
        message: &str,
        ctx: &Context<'_>,
        topics: Option<&[String]>,
    ) -> bool {
        self.index.rests_on_retrieval(message, ctx, topics)
    }

    async fn turn(&self, message: &str, ctx: &Context<'_>, topics: Option<&[String]>) -> Turn {
        self.turns.set(self.turns.get() + 1);
        self.index
            .turn(message, ctx, &Thresholds::default(), topics)
    }

    async fn always_human(&self, text: &str, topics: Option<&[String]>) -> Option<String> {
        self.index.always_human_for(text, topics).map(str::to_owned)
    }

    async fn similarities(&self, _message: &str) -> Option<Vec<f32>> {
        self.asked_similarities
            .set(self.asked_similarities.get() + 1);
        self.similarities.clone()
    }

    fn route(&self, ticket: &mut Ticket) -> Vec<Sink> {
        let configured: Vec<&str> = Sink::configured_in(&self.sinks)
            .into_iter()
            .map(Sink::as_str)
            .collect();
        deliver::route_to(&configured, ticket)
    }

    fn sinks(&self) -> SinkSettings {
        self.sinks.clone()
    }

    async fn enqueue(&self, reference: &str, sinks: &[Sink]) {
        self.queued
            .borrow_mut()
            .extend(sinks.iter().map(|&s| (reference.to_owned(), s)));
    }

    fn drop_content(&self) {
        *self.live.borrow_mut() = None;
    }

    async fn reload_content(&self, version: i64) {
        match live::load(self).await {
            Ok(live) => *self.live.borrow_mut() = Some(live),
            Err(e) => self.log(&format!("content version {version} not loaded: {e:?}")),
        }
    }

    async fn post(
        &self,
        url: &str,
        body: String,
        headers: &[(&str, String)],
        _timeout_ms: u64,
    ) -> Result<(), String> {
        self.posts.borrow_mut().push(Post {
            url: url.to_owned(),
            body,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        });
        self.answers.borrow_mut().pop_front().unwrap_or(Ok(()))
    }

    async fn get(
        &self,
        url: &str,
        headers: &[(&str, String)],
        _timeout_ms: u64,
    ) -> Result<String, String> {
        self.posts.borrow_mut().push(Post {
            url: format!("GET {url}"),
            body: String::new(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        });
        self.got
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Err("HTTP 404: not scripted".into()))
    }

    async fn call_api(&self, request: &call::Request, _timeout_ms: u64) -> ApiAnswer {
        self.api_calls.borrow_mut().push(request.clone());
        self.now.set(self.now.get() + 40);
        self.api_answers
            .borrow_mut()
            .pop_front()
            .unwrap_or(ApiAnswer::NoAnswer)
    }

    async fn choose(
        &self,
        _who: &Who,
        message: &str,
        tools: &[Tool],
    ) -> Result<(String, bool), String> {
        let model = self.model.as_ref().ok_or("no model is configured")?;
        let messages = choose::prompt(message);
        let request = tools_request(Provider::OpenAiCompatible, "scripted", &messages, tools);
        self.model_requests.borrow_mut().push(request.clone());
        self.now.set(self.now.get() + 300);
        model(&request)
    }

    async fn broadcast(&self, id: &str, event: &LiveEvent, side: Option<Role>) {
        self.broadcasts
            .borrow_mut()
            .push((id.to_owned(), event.clone(), side));
    }

    fn email(&self) -> Option<EmailSettings> {
        self.email.clone()
    }

    async fn enqueue_email(&self, job: &email::Job, delay_secs: u32) {
        self.emails_queued
            .borrow_mut()
            .push((job.clone(), delay_secs));
    }

    fn new_token(&self) -> Result<String, AppError> {
        let n = self.ids.get() + 1;
        self.ids.set(n);
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        bytes[4..].copy_from_slice(b"world-tokens");
        Ok(frontdesk_shared::email::reply_token(bytes))
    }

    fn secret(&self, name: &str) -> Option<String> {
        self.secrets.borrow().get(name).cloned()
    }

    async fn sleep(&self, ms: i64) {
        self.sleeps.set(self.sleeps.get() + 1);
        self.now.set(self.now.get() + ms);
        let now = self.now.get();
        let due: Vec<(i64, String, String)> = {
            let mut scheduled = self.scheduled.borrow_mut();
            let (due, later) = scheduled.drain(..).partition(|(at, _, _)| *at <= now);
            *scheduled = later;
            due
        };
        for (at, conversation, text) in due {
            self.db.with(|c| {
                c.execute(
                    "INSERT INTO messages (conversation_id, role, body, created_at) \
                     VALUES (?1, 'agent', ?2, ?3)",
                    rusqlite::params![conversation, text, at],
                )
                .unwrap()
            });
        }
    }

    fn log(&self, message: &str) {
        self.logs.borrow_mut().push(message.to_owned());
    }
}
