//! A bot reply: its text as Markdown, built element by element, and below
//! it the source link, the suggestions or the offer of a person, and the
//! thumbs.

use frontdesk_api::markdown::{self, Kind, Run, Target};
use frontdesk_api::wire::{Decision, Reply, Source};
use leptos::prelude::*;
use web_sys::Element;

use crate::api;
use crate::i18n::fill;
use crate::model::Config;
use crate::state::{Mode, State};

/// The bot's turn: its text, and its source, suggestions or handoff offer.
// `#[component]` makes its props struct `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn BotReply(reply: Reply, id: i64, rating: Option<bool>, state: State) -> impl IntoView {
    // Taken apart: the text and sources move into `markdown_text`, rather
    // than a copy of the whole reply (less code in the wasm).
    let Reply {
        decision,
        text,
        sources,
        lang,
        confirm,
        ..
    } = reply;
    let config = state.config.get_value();
    let cite = state.t(|s| &s.cite);
    let links = sources
        .iter()
        .map(|s| source_link(&config, s))
        .collect::<Vec<_>>();
    let text = (config, text, sources, cite);
    let extra = match decision {
        Decision::Answer => {
            view! { <p class="fd-source">{state.t(|s| &s.source)} " " {links}</p> }.into_any()
        }
        Decision::Suggest => view! {
            <ul class="fd-suggest">{links.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Decision::SmallTalk => ().into_any(),
        // A change waiting for the visitor: Confirm or Cancel, once (the
        // buttons are drawn and sent by the loader's `card` helper).
        Decision::Action => match confirm {
            Some(c) => view! {
                <p class="fd-confirm" role="group" aria-label=c.title use:card=(c.token, state)></p>
            }
            .into_any(),
            None => ().into_any(),
        },
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
    let rate = (id > 0 && matches!(decision, Decision::Answer | Decision::Suggest))
        .then(|| view! { <p class="fd-rate" use:thumbs=(id, rating, state)></p> });
    view! {
        <li class="fd-line fd-bot" data-decision=decision.as_str()>
            <div class="fd-text" lang=lang use:markdown_text=text></div>
            {extra}
            {rate}
        </li>
    }
}

/// Fills a bot reply's text element with its text as Markdown
/// (markdown.rs): elements made one by one, text only ever set as text, so
/// no HTML from an article or a model reaches the page. By hand rather than
/// as Leptos views, which cost the wasm three times as much.
fn markdown_text(
    el: Element,
    (config, text, sources, cite): (Config, String, Vec<Source>, String),
) {
    for block in markdown::parse(&text, sources.len()) {
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
                markdown_run(&config, &sources, &cite, &item, run);
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

/// A confirm card's buttons (see `State::confirm`).
fn card(el: Element, (token, state): (String, State)) {
    state.confirm(el, token);
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
