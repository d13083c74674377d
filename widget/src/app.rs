//! The chat panel: conversation log, composer, and the handoff form.

use frontdesk_api::wire::{ChatRequest, Decision, HandoffRequest, Reply, Source};
use js_sys::Function;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};

use crate::i18n::{fill, is_rtl, Strings};
use crate::model::{Config, Delivery, Entry, Line, Transcript};
use crate::{api, js};
use frontdesk_api::markdown::{self, Kind, Run, Target};

/// What the bottom of the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Chat,
    Handoff,
    /// Asking "delete this conversation?".
    Delete,
}

/// Shared state of the panel; `Copy`, so handlers can capture it freely.
#[derive(Clone, Copy)]
struct State {
    config: StoredValue<Config>,
    open: RwSignal<bool>,
    mode: RwSignal<Mode>,
    transcript: RwSignal<Transcript>,
    conversation: RwSignal<Option<String>>,
    /// The conversation kept from an earlier page is being read back; the
    /// composer waits, so nothing new lands above it. (Messages sent one
    /// after another wait for each other in boot.js's outbox, in order.)
    restoring: RwSignal<bool>,
    /// The answer being streamed, shown until the final reply replaces it.
    streaming: RwSignal<Option<String>>,
    /// The conversation has a ticket: people may reply.
    ticket: RwSignal<bool>,
    /// The newest agent reply shown, and the newest the visitor has seen.
    last_agent: RwSignal<i64>,
    seen: RwSignal<i64>,
    /// Stops waiting for agent replies.
    unwatch: StoredValue<Option<Function>, LocalStorage>,
    /// The UI's words, in the visitor's language.
    strings: StoredValue<Strings>,
}

impl State {
    /// One of the UI's strings.
    fn t(self, pick: fn(&Strings) -> &String) -> String {
        self.strings.with_value(|s| pick(s).clone())
    }
    /// Keeps the conversation for the next page (only ever called once
    /// the visitor has a conversation, i.e. has used the open widget).
    fn persist(self) {
        if let Some(c) = self.conversation.get_untracked() {
            api::save(
                Some(&c),
                self.seen.get_untracked(),
                self.ticket.get_untracked(),
            );
        }
    }

    /// Starts waiting for agent replies, once there is a ticket.
    fn watch(self) {
        let Some(id) = self.conversation.get_untracked() else {
            return;
        };
        if !self.ticket.get_untracked() || self.unwatch.with_value(Option::is_some) {
            return;
        }
        let stop = api::watch(
            &self.config.get_value(),
            &id,
            self.last_agent.get_untracked(),
            move |id, text| {
                if id < 0.0 {
                    return self.forget();
                }
                let open = self.open.get_untracked();
                let last = self.last_agent.get_untracked();
                api::emit("reply", js::object(&[("text", text.as_str().into())]));
                let last = self
                    .transcript
                    .try_update(|t| t.add_reply(id as i64, text, last, !open))
                    .unwrap_or(last);
                self.last_agent.set(last);
                if open {
                    self.seen.set(last);
                }
                self.persist();
            },
        );
        self.unwatch.set_value(stop);
    }

    /// Drops the conversation here (deleted, or gone from the worker).
    fn forget(self) {
        if let Some(stop) = self.unwatch.try_update_value(Option::take).flatten() {
            let _ = stop.call0(&JsValue::NULL);
        }
        api::save(None, 0, false);
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
    fn send(self, text: String, key: String) {
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

    #[inline(never)]
    fn deliver(self, id: usize, text: String, key: String) {
        self.transcript
            .update(|t| t.set_delivery(id, Delivery::Sending));
        spawn_local(async move {
            let config = self.config.get_value();
            let req = ChatRequest {
                conversation_id: self.conversation.get_untracked(),
                message: text,
                page_url: config.page_url.clone(),
                locale: config.locale.clone(),
                idempotency_key: Some(key).filter(|k| !k.is_empty()),
                // The page's identity is added by boot.js.
                identity: None,
            };
            let (conversation, transcript, streaming) =
                (self.conversation, self.transcript, self.streaming);
            let started = move |id_now: Result<String, Delivery>| {
                let id_now = match id_now {
                    Ok(id_now) => id_now,
                    Err(waits) => {
                        // In the outbox: the visitor may go on typing.
                        transcript.update(|t| t.set_delivery(id, waits));
                        streaming.set(None);
                        return;
                    }
                };
                let fresh = conversation.get_untracked().is_none();
                conversation.set(Some(id_now));
                if fresh {
                    self.persist();
                }
                transcript.update(|t| t.set_delivery(id, Delivery::Sent));
                streaming.set(Some(String::new()));
            };
            let delta = move |piece: String| {
                streaming.update(|s| s.get_or_insert_with(String::new).push_str(&piece));
            };
            let result = api::chat(&config, &req, started, delta).await;
            self.streaming.set(None);
            match result {
                Ok(r) => {
                    let fresh = self.conversation.get_untracked().is_none();
                    self.conversation.set(Some(r.conversation_id));
                    if fresh {
                        self.persist();
                    }
                    self.transcript.update(|t| {
                        t.set_delivery(id, Delivery::Sent);
                        t.push(Entry::Bot(r.reply, r.message_id, None));
                    });
                }
                Err(e) => self.transcript.update(|t| {
                    t.set_delivery(
                        id,
                        Delivery::Failed(self.strings.with_value(|s| e.message(s))),
                    );
                }),
            }
        });
    }
}

/// The whole widget. `launcher` is the loader's button, which toggles it.
// `#[component]` makes its props struct `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn App(config: Config, strings: Strings, launcher: HtmlElement) -> impl IntoView {
    let title = Some(config.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| strings.title.clone());
    let greeting = Some(config.greeting.clone())
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| strings.greeting.clone());
    let lang = config.lang.clone();
    let dir = if is_rtl(&lang) { "rtl" } else { "ltr" };
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
        unwatch: StoredValue::new_local(None),
        strings: StoredValue::new(strings),
    };
    let pending = api::pending();
    match saved {
        Some(saved) => state.restore(saved, pending),
        None => state.resend(pending),
    }
    // Unread replies: "New" in the log until the panel closes, a count on
    // the launcher while it is closed; opening the panel reads them.
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
    let composer = NodeRef::<html::Textarea>::new();
    let email = NodeRef::<html::Input>::new();
    let log = NodeRef::<html::Div>::new();
    let launcher = StoredValue::new_local(launcher);

    // The launcher toggles the panel; the page's `Frontdesk('open' | 'close'
    // | 'reset')` reach the app as events on it (see loader.js).
    let command = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        match ev.type_().as_str() {
            "click" => state.open.update(|o| *o = !*o),
            "fd-open" => state.open.set(true),
            "fd-reset" => {
                state.forget();
                state.open.set(false);
            }
            _ => state.open.set(false),
        }
    });
    launcher.with_value(|l| {
        for name in ["click", "fd-open", "fd-close", "fd-reset"] {
            let _ = l.add_event_listener_with_callback(name, command.as_ref().unchecked_ref());
        }
    });
    command.forget();

    // Focus follows the panel: into it on open, back to the launcher on close.
    Effect::new(move |was_open: Option<bool>| {
        let open = state.open.get();
        launcher.with_value(|l| {
            let _ = l.set_attribute("aria-expanded", if open { "true" } else { "false" });
            if !open && was_open == Some(true) {
                let _ = l.focus();
            }
        });
        if was_open.unwrap_or(false) != open {
            api::emit(if open { "open" } else { "close" }, JsValue::UNDEFINED);
        }
        if open {
            let target: Option<web_sys::HtmlElement> = match state.mode.get_untracked() {
                Mode::Chat => composer.get().map(Into::into),
                Mode::Handoff | Mode::Delete => email.get().map(Into::into),
            };
            if let Some(t) = target {
                let _ = t.focus();
            }
        }
        open
    });
    // And follows the bottom of the panel when it changes: the form's first
    // field, or the composer again (after the frame that renders it).
    Effect::new(move |before: Option<Mode>| {
        let mode = state.mode.get();
        if before.is_some_and(|b| b != mode) {
            request_animation_frame(move || {
                let target: Option<web_sys::HtmlElement> = match mode {
                    Mode::Chat => composer.get_untracked().map(Into::into),
                    _ => email.get_untracked().map(Into::into),
                };
                if let Some(t) = target {
                    let _ = t.focus();
                }
            });
        }
        mode
    });

    // Keep the newest line in view.
    Effect::new(move |_| {
        state.transcript.track();
        state.streaming.track();
        state.open.track();
        // After the frame, when the new line is laid out.
        request_animation_frame(move || {
            if let Some(log) = log.get_untracked() {
                log.set_scroll_top(log.scroll_height());
            }
        });
    });

    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            state.open.set(false);
        }
    };

    view! {
        <section
            class="fd-panel"
            role="dialog"
            lang=lang
            dir=dir
            aria-labelledby="fd-title"
            hidden=move || !state.open.get()
            on:keydown=on_keydown
        >
            <header class="fd-header">
                <h2 id="fd-title" class="fd-title">{title}</h2>
                <button
                    class="fd-delete"
                    type="button"
                    hidden=move || state.conversation.get().is_none()
                    on:click=move |_| state.mode.set(Mode::Delete)
                >
                    {state.t(|s| &s.delete)}
                </button>
                <button class="fd-close" type="button" aria-label=state.t(|s| &s.close) on:click=move |_| state.open.set(false)>
                    "×"
                </button>
            </header>
            // The live region wraps the list (a role on the <ol> itself would
            // take its list semantics away from the lines).
            <div class="fd-log" node_ref=log role="log" aria-live="polite" aria-label=state.t(|s| &s.log)>
            <ol class="fd-lines">
                <li class="fd-line fd-bot">
                    <p class="fd-text">{greeting}</p>
                </li>
                <For
                    each=move || state.transcript.get().lines
                    key=|l: &Line| (l.id, delivery_tag(&l.entry))
                    children=move |l: Line| view! { <LineView line=l state=state /> }
                />
                // Hidden from screen readers while it grows word by word;
                // the final reply is announced once, whole.
                {move || state.streaming.get().map(|text| view! {
                    <li class="fd-line fd-bot fd-streaming" aria-hidden="true">
                        <p class="fd-text">{text}</p>
                    </li>
                })}
            </ol>
            </div>
            <div class="fd-human-bar">
                <button
                    class="fd-human"
                    type="button"
                    on:click=move |_| state.mode.set(Mode::Handoff)
                    aria-pressed=move || (state.mode.get() == Mode::Handoff).to_string()
                >
                    {state.t(|s| &s.talk_to_person)}
                </button>
            </div>
            {move || match state.mode.get() {
                Mode::Chat => view! { <Composer state=state node=composer /> }.into_any(),
                Mode::Handoff => view! { <HandoffForm state=state email=email /> }.into_any(),
                Mode::Delete => view! { <DeleteForm state=state first=email /> }.into_any(),
            }}
        </section>
    }
}

fn delivery_tag(entry: &Entry) -> &'static str {
    match entry {
        Entry::Visitor {
            delivery: Delivery::Sending,
            ..
        } => "sending",
        Entry::Visitor {
            delivery: Delivery::Sent,
            ..
        } => "sent",
        Entry::Visitor {
            delivery: Delivery::Queued,
            ..
        } => "queued",
        Entry::Visitor {
            delivery: Delivery::Limited,
            ..
        } => "limited",
        Entry::Visitor {
            delivery: Delivery::Failed(_),
            ..
        } => "failed",
        Entry::Bot(..) => "bot",
        Entry::Ticket(_) => "ticket",
        Entry::Agent { new: true, .. } => "agent-new",
        Entry::Agent { .. } => "agent",
    }
}

/// One line of the conversation.
#[component]
fn LineView(line: Line, state: State) -> impl IntoView {
    let id = line.id;
    match line.entry {
        Entry::Visitor { text, delivery } => {
            // Not sent: why, and Retry; or waiting in the outbox.
            let note = match &delivery {
                Delivery::Failed(why) => Some((why.clone(), true)),
                Delivery::Queued => Some((state.t(|s| &s.queued), false)),
                Delivery::Limited => Some((state.t(|s| &s.rate_limited), false)),
                _ => None,
            };
            let retry_text = text.clone();
            view! {
                <li class="fd-line fd-visitor" class:fd-sending=delivery != Delivery::Sent>
                    <p class="fd-text">{text}</p>
                    {note.map(|(why, retry)| view! {
                        <p class="fd-failed" role="alert">
                            {why} " "
                            {retry.then(|| view! {
                                <button class="fd-link" type="button" on:click=move |_| state.deliver(id, retry_text.clone(), api::new_key())>
                                    {state.t(|s| &s.retry)}
                                </button>
                            })}
                        </p>
                    })}
                </li>
            }
            .into_any()
        }
        Entry::Bot(reply, id, rating) => {
            view! { <BotReply reply=reply id=id rating=rating state=state /> }.into_any()
        }
        Entry::Ticket(t) => {
            // The reference stands out: the template is split around it.
            let template = state.t(|s| &s.ticket);
            let (before, after) = template
                .split_once("{reference}")
                .unwrap_or((&template, ""));
            let (before, after) = (before.to_owned(), fill(after, &[("email", &t.email)]));
            view! {
            <li class="fd-line fd-bot fd-ticket">
                <p class="fd-text">
                    {before} <strong class="fd-ref">{t.reference}</strong> {after}
                </p>
            </li>
            }
            .into_any()
        }
        Entry::Agent { text, new } => view! {
            <li class="fd-line fd-agent">
                <p class="fd-who">
                    {state.t(|s| &s.support_team)}
                    {new.then(|| view! { <span class="fd-new">{state.t(|s| &s.new)}</span> })}
                </p>
                <p class="fd-text">{text}</p>
            </li>
        }
        .into_any(),
    }
}

/// The bot's turn: its text, and its source, suggestions or handoff offer.
#[component]
fn BotReply(reply: Reply, id: i64, rating: Option<bool>, state: State) -> impl IntoView {
    let config = state.config.get_value();
    let cite = state.t(|s| &s.cite);
    let links = reply
        .sources
        .iter()
        .map(|s| source_link(&config, s))
        .collect::<Vec<_>>();
    let text = (config.clone(), reply.clone(), cite);
    let extra = match reply.decision {
        Decision::Answer => {
            view! { <p class="fd-source">{state.t(|s| &s.source)} " " {links}</p> }.into_any()
        }
        Decision::Suggest => view! {
            <ul class="fd-suggest">{links.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Decision::SmallTalk => ().into_any(),
        Decision::Escalate => view! {
            <button class="fd-human fd-inline" type="button" on:click=move |_| state.mode.set(Mode::Handoff)>
                {state.t(|s| &s.talk_to_person)}
            </button>
        }
        .into_any(),
    };
    // Thumbs up/down on answers and suggestions: drawn and sent by the
    // loader's `thumbs` helper (boot.js), which costs the wasm far less
    // than buttons, a signal and a request per reply here.
    let rate = (id > 0 && matches!(reply.decision, Decision::Answer | Decision::Suggest))
        .then(|| view! { <p class="fd-rate" use:thumbs=(id, rating, state)></p> });
    view! {
        <li class="fd-line fd-bot" data-decision=reply.decision.as_str()>
            <div class="fd-text" lang=reply.lang use:markdown_text=text></div>
            {extra}
            {rate}
        </li>
    }
}

/// Fills a bot reply's text element with its text as Markdown
/// (markdown.rs): elements made one by one, text only ever set as text, so
/// no HTML from an article or a model reaches the page. By hand rather than
/// as Leptos views, which cost the wasm three times as much.
fn markdown_text(el: Element, (config, reply, cite): (Config, Reply, String)) {
    for block in markdown::parse(&reply.text, reply.sources.len()) {
        let tag = match block.kind {
            Kind::Para => "p",
            Kind::Bullets => "ul",
            Kind::Numbered => "ol",
        };
        let Some(list) = child(&el, tag) else { return };
        if block.start != 1 {
            let _ = list.set_attribute("start", &block.start.to_string());
        }
        for runs in block.items {
            let item = match block.kind {
                Kind::Para => Some(list.clone()),
                _ => child(&list, "li"),
            };
            let Some(item) = item else { return };
            for run in runs {
                markdown_run(&config, &reply.sources, &cite, &item, run);
            }
        }
    }
}

/// A run of text in its styles, as a link if it is one; a citation `[n]`
/// links to source n like the source links below the text.
fn markdown_run(
    config: &Config,
    sources: &[Source],
    cite: &str,
    parent: &Element,
    run: Run,
) -> Option<()> {
    let (text, href, label) = match run.target {
        Target::Text => (run.text, None, None),
        // A `/path` is on the help site, like the sources' URLs.
        Target::Link(url) if url.starts_with('/') => (run.text, Some(config.url(&url)), None),
        Target::Link(url) => (run.text, Some(url), None),
        Target::Cite(i) => (
            format!("[{}]", i + 1),
            Some(config.url(&sources[i].url)),
            Some(fill(
                cite,
                &[("n", &(i + 1).to_string()), ("title", &sources[i].title)],
            )),
        ),
    };
    let mut at = parent.clone();
    for (on, tag) in [
        (run.style.bold, "strong"),
        (run.style.italic, "em"),
        (run.style.code, "code"),
    ] {
        if on {
            at = child(&at, tag)?;
        }
    }
    if let Some(href) = href {
        at = child(&at, "a")?;
        at.set_attribute("href", &href).ok()?;
        at.set_attribute("target", "_blank").ok()?;
        at.set_attribute("rel", "noopener noreferrer").ok()?;
        if let Some(label) = label {
            at.set_attribute("aria-label", &label).ok()?;
        }
    }
    at.append_with_str_1(&text).ok()
}

/// The thumbs of bot message `id` (see `api::thumbs`).
fn thumbs(el: Element, (id, rating, state): (i64, Option<bool>, State)) {
    let conversation = state.conversation.get_untracked().unwrap_or_default();
    let labels = state.strings.with_value(|s| {
        [
            s.helpful.clone(),
            s.not_helpful.clone(),
            s.feedback_thanks.clone(),
        ]
    });
    api::thumbs(
        &el,
        &state.config.get_value(),
        &conversation,
        id,
        rating,
        &labels,
    );
}

/// A new `tag` element, appended to `parent`.
fn child(parent: &Element, tag: &str) -> Option<Element> {
    let el = document().create_element(tag).ok()?;
    parent.append_with_node_1(&el).ok()?;
    Some(el)
}

/// A link to a reply's source, by its title.
fn source_link(config: &Config, s: &Source) -> impl IntoView {
    view! { <a href=config.url(&s.url) target="_blank" rel="noopener">{s.title.clone()}</a> }
}

/// Where the visitor types. Enter sends, Shift+Enter starts a new line.
#[component]
fn Composer(state: State, node: NodeRef<html::Textarea>) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let submit = move || {
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() || state.restoring.get_untracked() {
            return;
        }
        draft.set(String::new());
        state.send(text, api::new_key());
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    view! {
        <form class="fd-composer" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); submit(); }>
            <label class="fd-sr" for="fd-message">{state.t(|s| &s.message_label)}</label>
            <textarea
                id="fd-message"
                node_ref=node
                rows="2"
                maxlength="2000"
                placeholder=state.t(|s| &s.placeholder)
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <button class="fd-send" type="submit" disabled=move || state.restoring.get()>{state.t(|s| &s.send)}</button>
        </form>
    }
}

/// Asks for an email and an optional note, prefilled with the question.
#[component]
fn HandoffForm(state: State, email: NodeRef<html::Input>) -> impl IntoView {
    // Identified by the page (`Frontdesk('identify', {email})`): no need to ask.
    let known = api::identified_email();
    let hint = match &known {
        Some(e) => fill(&state.t(|s| &s.handoff_hint_known), &[("email", e)]),
        None => state.t(|s| &s.handoff_hint),
    };
    let identified = known.is_some();
    let note_field = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| {
        if let (true, Some(n)) = (identified, note_field.get()) {
            let _ = n.focus();
        }
    });
    let address = RwSignal::new(known.unwrap_or_default());
    let note = RwSignal::new(
        state
            .transcript
            .with_untracked(|t| t.last_question().unwrap_or_default().to_owned()),
    );
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // One key per form: a retry after a lost response returns the same
    // ticket instead of opening a second one.
    let key = StoredValue::new(api::new_key());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let config = state.config.get_value();
            let req = HandoffRequest {
                conversation_id: state.conversation.get_untracked(),
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
                    state.conversation.set(Some(ticket.conversation_id.clone()));
                    state.ticket.set(true);
                    state.persist();
                    state.watch();
                    state.transcript.update(|t| {
                        t.push(Entry::Ticket(ticket));
                    });
                    state.mode.set(Mode::Chat);
                }
                Err(e) => error.set(Some(state.strings.with_value(|s| e.message(s)))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="fd-handoff" on:submit=submit novalidate>
            <p class="fd-hint">{hint}</p>
            <label for="fd-email" hidden=identified>{state.t(|s| &s.email)}</label>
            <input
                id="fd-email"
                hidden=identified
                node_ref=email
                type="email"
                autocomplete="email"
                required
                prop:value=move || address.get()
                on:input=move |ev| address.set(event_target_value(&ev))
            />
            <label for="fd-note">{state.t(|s| &s.note)}</label>
            <textarea
                id="fd-note"
                node_ref=note_field
                rows="3"
                maxlength="4000"
                prop:value=move || note.get()
                on:input=move |ev| note.set(event_target_value(&ev))
            ></textarea>
            <p class="fd-error" role="alert">{move || error.get()}</p>
            <div class="fd-actions">
                <button class="fd-send" type="submit" disabled=move || busy.get()>{state.t(|s| &s.send_to_team)}</button>
                <button class="fd-link" type="button" on:click=move |_| state.mode.set(Mode::Chat)>{state.t(|s| &s.back)}</button>
            </div>
        </form>
    }
}

/// "Delete this conversation?": on yes, the worker deletes it with its
/// tickets, and this browser forgets it.
#[component]
fn DeleteForm(state: State, first: NodeRef<html::Input>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(id) = state.conversation.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::delete(&state.config.get_value(), &id).await {
                Err(e) => error.set(Some(state.strings.with_value(|s| e.message(s)))),
                Ok(()) => {
                    state.forget();
                    state.mode.set(Mode::Chat);
                    state.transcript.update(|t| {
                        t.push(Entry::Bot(
                            Reply {
                                decision: Decision::SmallTalk,
                                text: state.t(|s| &s.deleted),
                                sources: Vec::new(),
                                reason: None,
                                lang: state.config.with_value(|c| c.lang.clone()),
                            },
                            0,
                            None,
                        ));
                    });
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="fd-handoff" on:submit=submit>
            <p class="fd-hint">{state.t(|s| &s.delete_confirm)}</p>
            <p class="fd-error" role="alert">{move || error.get()}</p>
            <div class="fd-actions">
                // An <input>, so the panel's focus handling (one input
                // NodeRef for the form shown) moves focus here.
                <input class="fd-send fd-danger" type="submit" value=state.t(|s| &s.delete_yes) node_ref=first disabled=move || busy.get() />
                <button class="fd-link" type="button" on:click=move |_| state.mode.set(Mode::Chat)>{state.t(|s| &s.cancel)}</button>
            </div>
        </form>
    }
}
