//! The panel's controller: what the bottom of the panel shows (`Mode`) and
//! the conversation's life (`State`): reading it back from an earlier page,
//! sending and streaming, waiting for agent replies, the unread count,
//! handing off to a person and deleting. No view code here; the views
//! (`views/`) read its signals and call its methods.

use frontdesk_api::wire::{ChatRequest, Decision, HandoffRequest, Reply};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use web_sys::{Event, HtmlElement};

use crate::i18n::Strings;
use crate::model::{Config, Delivery, Entry, Transcript};
use crate::outbox::{Item, Next, Outbox};
use crate::retry::{self, Backoff, Poll};
use crate::{api, js};

/// What the bottom of the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Chat,
    Handoff,
    /// Asking "delete this conversation?".
    Delete,
}

/// Shared state of the panel; `Copy`, so handlers can capture it freely.
#[derive(Clone, Copy)]
pub(crate) struct State {
    pub(crate) config: StoredValue<Config>,
    pub(crate) open: RwSignal<bool>,
    pub(crate) mode: RwSignal<Mode>,
    pub(crate) transcript: RwSignal<Transcript>,
    pub(crate) conversation: RwSignal<Option<String>>,
    /// The conversation kept from an earlier page is being read back; the
    /// composer waits, so nothing new lands above it. (Messages sent one
    /// after another wait for each other in boot.js's outbox, in order.)
    pub(crate) restoring: RwSignal<bool>,
    /// The answer being streamed, shown until the final reply replaces it.
    pub(crate) streaming: RwSignal<Option<String>>,
    /// The conversation has a ticket: people may reply.
    ticket: RwSignal<bool>,
    /// The newest agent reply shown, and the newest the visitor has seen.
    last_agent: RwSignal<i64>,
    seen: RwSignal<i64>,
    /// The long poll for agent replies: its number (the newest started)
    /// and whether it runs; an older poll that sees a newer number stops.
    watching: StoredValue<(u32, bool)>,
    /// The messages the worker has not taken yet (`outbox.rs`).
    outbox: StoredValue<Outbox>,
    /// The UI's words, in the visitor's language.
    pub(crate) strings: StoredValue<Strings>,
}

impl State {
    /// The panel's state at mount: reads back the conversation kept from an
    /// earlier page (or sends what the outbox holds), and keeps the unread
    /// replies counted: "New" in the log until the panel closes, a count on
    /// the launcher while it is closed; opening the panel reads them.
    pub(crate) fn start(config: Config, strings: Strings) -> Self {
        let saved = config.conversation.clone();
        let (seen, ticket) = (config.seen as i64, config.ticket);
        let state = State {
            open: RwSignal::new(config.open),
            config: StoredValue::new(config),
            mode: RwSignal::new(Mode::Chat),
            transcript: RwSignal::new(Transcript::default()),
            conversation: RwSignal::new(None),
            restoring: RwSignal::new(false),
            streaming: RwSignal::new(None),
            ticket: RwSignal::new(ticket),
            last_agent: RwSignal::new(0),
            seen: RwSignal::new(seen),
            watching: StoredValue::new((0, false)),
            outbox: StoredValue::new(Outbox::default()),
            strings: StoredValue::new(strings),
        };
        let pending = api::pending();
        match saved {
            Some(saved) => state.restore(saved, pending),
            None => state.resend(pending),
        }
        Effect::new(move |_| {
            let open = state.open.get();
            let unread = state.transcript.with(|t| {
                t.lines
                    .iter()
                    .filter(|l| matches!(l.entry, Entry::Agent { new: true, .. }))
                    .count()
            });
            if !open {
                api::badge(unread);
            } else if unread > 0 || state.seen.get_untracked() < state.last_agent.get_untracked() {
                api::badge(0);
                state.seen.set(state.last_agent.get_untracked());
                state.persist();
            }
        });
        Effect::new(move |was_open: Option<bool>| {
            let open = state.open.get();
            if !open && was_open == Some(true) {
                state.transcript.update(Transcript::mark_read);
            }
            open
        });
        state
    }

    /// The launcher toggles the panel; the page's `Frontdesk('open' | 'close'
    /// | 'reset')` reach the app as events on it (see loader.js).
    pub(crate) fn listen(self, launcher: StoredValue<HtmlElement, LocalStorage>) {
        let command =
            Closure::<dyn FnMut(Event)>::new(move |ev: Event| match ev.type_().as_str() {
                "click" => self.open.update(|o| *o = !*o),
                "fd-open" => self.open.set(true),
                "fd-reset" => {
                    self.forget();
                    self.open.set(false);
                }
                _ => self.open.set(false),
            });
        launcher.with_value(|l| {
            for name in ["click", "fd-open", "fd-close", "fd-reset"] {
                let _ = l.add_event_listener_with_callback(name, command.as_ref().unchecked_ref());
            }
        });
        command.forget();
    }

    /// One of the UI's strings.
    pub(crate) fn t(self, pick: fn(&Strings) -> &String) -> String {
        self.strings.with_value(|s| pick(s).clone())
    }
    /// Keeps the conversation and the outbox for the next page (only ever
    /// called once the visitor has used the open widget).
    fn persist(self) {
        api::save(
            self.conversation.get_untracked(),
            self.seen.get_untracked(),
            self.ticket.get_untracked(),
            &self.outbox.with_value(Outbox::stored),
        );
    }

    /// Starts waiting for agent replies, once there is a ticket: a long
    /// poll while the page is shown, again at once after each answer; after
    /// a failure or a 429 as `retry.rs` says. Stops when the conversation is
    /// gone (forgotten here) or forgotten.
    fn watch(self) {
        let Some(id) = self.conversation.get_untracked() else {
            return;
        };
        if !self.ticket.get_untracked() {
            return;
        }
        let started = self.watching.try_update_value(|(n, on)| {
            (!*on).then(|| {
                *n += 1;
                *on = true;
                *n
            })
        });
        let Some(Some(mine)) = started else {
            return;
        };
        let live = move || self.watching.with_value(|w| *w == (mine, true));
        spawn_local(async move {
            let mut backoff = Backoff::default();
            let mut after = self.last_agent.get_untracked();
            while live() {
                api::shown().await;
                if !live() {
                    break;
                }
                let config = self.config.get_value();
                let (status, retry_after) = api::poll(&config, &id, after, |id, text| {
                    if live() && id > after {
                        after = id;
                        self.replied(id, text);
                    }
                })
                .await;
                if !live() {
                    break;
                }
                match retry::after_poll(status, retry_after, &mut backoff) {
                    Poll::Gone => return self.forget(),
                    Poll::Wait(ms) => api::nap(ms).await,
                    Poll::Replies => {}
                }
            }
        });
    }

    /// Shows agent reply `id`: "New" while the panel is closed, and tells
    /// the page.
    fn replied(self, id: i64, text: String) {
        let open = self.open.get_untracked();
        let last = self.last_agent.get_untracked();
        api::emit("reply", js::object(&[("text", text.as_str().into())]));
        let last = self
            .transcript
            .try_update(|t| t.add_reply(id, text, last, !open))
            .unwrap_or(last);
        self.last_agent.set(last);
        if open {
            self.seen.set(last);
        }
        self.persist();
    }

    /// Drops the conversation here (deleted, or gone from the worker).
    fn forget(self) {
        self.watching.update_value(|w| w.1 = false);
        api::stop_polling();
        self.outbox.update_value(Outbox::clear);
        api::save(None, 0, false, "");
        self.conversation.set(None);
        self.ticket.set(false);
        self.last_agent.set(0);
        self.seen.set(0);
        self.transcript.set(Transcript::default());
    }

    /// Shows the conversation kept from an earlier page, then waits for
    /// replies if it has a ticket.
    fn restore(self, id: String, pending: Vec<(String, String)>) {
        self.conversation.set(Some(id.clone()));
        self.restoring.set(true);
        let seen = self.seen.get_untracked();
        spawn_local(async move {
            let (transcript, last_agent, ticket) = (self.transcript, self.last_agent, self.ticket);
            let status = api::restore(&self.config.get_value(), &id, move |id, entry| {
                if matches!(entry, Entry::Ticket(_)) {
                    ticket.set(true);
                }
                let agent = transcript
                    .try_update(|t| t.restore(entry, id as i64, seen))
                    .unwrap_or(0);
                last_agent.update(|l| *l = (*l).max(agent));
            })
            .await;
            match status {
                404.0 => self.forget(),
                200.0 => {
                    if self.open.get_untracked() {
                        self.seen.set(self.last_agent.get_untracked());
                    }
                    self.persist();
                }
                // Unreachable for now: keep the id, so the conversation
                // goes on, and replies come when the worker answers.
                _ => self.last_agent.set(seen),
            }
            self.restoring.set(false);
            self.watch();
            self.resend(pending);
        });
    }

    /// Sends again, in order, what an earlier page left in the outbox.
    fn resend(self, pending: Vec<(String, String)>) {
        for (text, key) in pending {
            self.send(text, key);
        }
    }

    /// Adds a visitor message to the log and sends it; `key` makes sending
    /// it again (the outbox) safe.
    #[inline(never)]
    pub(crate) fn send(self, text: String, key: String) {
        let id = self.transcript.try_update(|t| {
            t.push(Entry::Visitor {
                text: text.clone(),
                delivery: Delivery::Sending,
            })
        });
        if let Some(id) = id {
            self.deliver(id, text, key);
        }
    }

    /// Sends line `id` of the log (again, on Retry) through the outbox:
    /// after the messages before it, and again until the worker takes it.
    #[inline(never)]
    pub(crate) fn deliver(self, id: usize, text: String, key: String) {
        let item = Item {
            line: id,
            text,
            key,
        };
        let shown = self.outbox.try_update_value(|o| o.push(item));
        self.transcript
            .update(|t| t.set_delivery(id, shown.unwrap_or(Delivery::Sending)));
        self.persist();
        let running = self
            .outbox
            .try_update_value(|o| std::mem::replace(&mut o.running, true));
        if running == Some(false) {
            spawn_local(async move {
                while let Some(item) = self.outbox.with_value(|o| o.front().cloned()) {
                    self.attempt(item).await;
                }
                self.outbox.update_value(|o| o.running = false);
            });
        }
    }

    /// Sends the outbox's front message once, streaming the answer into
    /// `streaming` until the final reply lands in the log; then does what
    /// the outbox says: done, or wait and show why.
    async fn attempt(self, item: Item) {
        let config = self.config.get_value();
        let req = ChatRequest {
            // Messages typed before the first one was taken go to the
            // conversation it started.
            conversation_id: self.conversation.get_untracked(),
            message: item.text,
            page_url: config.page_url.clone(),
            locale: config.locale.clone(),
            idempotency_key: Some(item.key.clone()).filter(|k| !k.is_empty()),
            // The page's identity is added by boot.js.
            identity: None,
        };
        let (line, transcript, streaming) = (item.line, self.transcript, self.streaming);
        let started = move |conversation: String| {
            self.adopt(conversation);
            transcript.update(|t| t.set_delivery(line, Delivery::Sent));
            streaming.set(Some(String::new()));
        };
        let delta = move |piece: String| {
            streaming.update(|s| s.get_or_insert_with(String::new).push_str(&piece));
        };
        let sent = api::chat(&config, &req, started, delta).await;
        self.streaming.set(None);
        let next = self
            .outbox
            .try_update_value(|o| o.after(&item.key, sent.status, sent.retry_after));
        match next {
            Some(Next::Again { ms, shown }) => {
                self.transcript.update(|t| {
                    self.outbox.with_value(|o| {
                        for line in o.lines() {
                            t.set_delivery(line, shown.clone());
                        }
                    });
                });
                api::nap(ms).await;
                self.outbox.update_value(|o| o.waiting = None);
            }
            Some(Next::Done) => match sent.reply {
                Ok(r) => {
                    self.adopt(r.conversation_id);
                    self.persist();
                    self.transcript.update(|t| {
                        t.set_delivery(line, Delivery::Sent);
                        t.push(Entry::Bot(r.reply, r.message_id, None));
                    });
                }
                Err(e) => {
                    self.persist();
                    self.transcript.update(|t| {
                        t.set_delivery(
                            line,
                            Delivery::Failed(self.strings.with_value(|s| e.message(s))),
                        );
                    });
                }
            },
            _ => {}
        }
    }

    /// The conversation the worker started for (or continues with) a
    /// message.
    fn adopt(self, conversation: String) {
        if self.conversation.get_untracked().as_deref() != Some(&conversation) {
            self.conversation.set(Some(conversation));
            self.persist();
        }
    }

    /// Asks for a person: opens a ticket for the handoff form's `address`
    /// and `note`, then waits for the team's replies and goes back to the
    /// chat. `key` is the form's: a retry after a lost response returns the
    /// same ticket. `error` says why it failed; `busy` is cleared when done.
    pub(crate) fn hand_off(
        self,
        address: RwSignal<String>,
        note: RwSignal<String>,
        key: StoredValue<String>,
        error: RwSignal<Option<String>>,
        busy: RwSignal<bool>,
    ) {
        spawn_local(async move {
            let config = self.config.get_value();
            let req = HandoffRequest {
                conversation_id: self.conversation.get_untracked(),
                email: address.get_untracked(),
                note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
                page_url: config.page_url.clone(),
                idempotency_key: Some(key.get_value()).filter(|k| !k.is_empty()),
                // The page's identity is added by boot.js.
                identity: None,
            };
            match api::handoff(&config, &req).await {
                Ok(ticket) => {
                    api::emit(
                        "ticket",
                        js::object(&[
                            ("reference", ticket.reference.as_str().into()),
                            ("email", ticket.email.as_str().into()),
                        ]),
                    );
                    self.conversation.set(Some(ticket.conversation_id.clone()));
                    self.ticket.set(true);
                    self.persist();
                    self.watch();
                    self.transcript.update(|t| {
                        t.push(Entry::Ticket(ticket));
                    });
                    self.mode.set(Mode::Chat);
                }
                Err(e) => error.set(Some(self.strings.with_value(|s| e.message(s)))),
            }
            busy.set(false);
        });
    }

    /// Draws a confirm card's buttons into `el`; once one is pressed, the
    /// answer (what the action did, or why nothing happened) joins the log.
    pub(crate) fn confirm(self, el: web_sys::Element, token: String) {
        let labels = self
            .strings
            .with_value(|s| [s.confirm.clone(), s.cancel.clone()]);
        spawn_local(async move {
            let conversation = self.conversation.get_untracked().unwrap_or_default();
            let config = self.config.get_value();
            match api::card(&el, &config, &conversation, &token, &labels).await {
                Ok(r) => self.transcript.update(|t| {
                    t.push(Entry::Bot(r.reply, r.message_id, None));
                }),
                Err(e) => self.note(self.strings.with_value(|s| e.message(s))),
            }
        });
    }

    /// A line of the widget's own in the log (not the bot's answer).
    fn note(self, text: String) {
        self.transcript.update(|t| {
            t.push(Entry::Bot(
                Reply {
                    decision: Decision::SmallTalk,
                    text,
                    sources: Vec::new(),
                    reason: None,
                    lang: self.config.with_value(|c| c.lang.clone()),
                    confirm: None,
                },
                0,
                None,
            ));
        });
    }

    /// Deletes conversation `id` on the worker, with its tickets; on
    /// success this browser forgets it and the log says so. `error` says
    /// why it failed; `busy` is cleared when done.
    pub(crate) fn delete(self, id: String, error: RwSignal<Option<String>>, busy: RwSignal<bool>) {
        spawn_local(async move {
            match api::delete(&self.config.get_value(), &id).await {
                Err(e) => error.set(Some(self.strings.with_value(|s| e.message(s)))),
                Ok(()) => {
                    self.forget();
                    self.mode.set(Mode::Chat);
                    self.note(self.t(|s| &s.deleted));
                }
            }
            busy.set(false);
        });
    }
}
