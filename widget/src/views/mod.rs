//! The panel's views: `App` lays out the panel (header, log, "Talk to a
//! person", and the composer or a form below) and moves focus and scroll;
//! the parts live in the submodules. What they show and do comes from the
//! controller (`state.rs`).

mod composer;
mod conversation;
mod forms;
mod reply;

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use self::composer::Composer;
use self::conversation::{delivery_tag, LineView};
use self::forms::{DeleteForm, HandoffForm};
use crate::api;
use crate::i18n::{is_rtl, Strings};
use crate::model::{Config, Line};
use crate::state::{Mode, State};

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
    let state = State::start(config, strings);
    let composer = NodeRef::<html::Textarea>::new();
    let email = NodeRef::<html::Input>::new();
    let log = NodeRef::<html::Div>::new();
    let launcher = StoredValue::new_local(launcher);
    state.listen(launcher);

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
