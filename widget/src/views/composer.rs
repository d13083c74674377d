//! The composer: where the visitor types and sends.

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;

use crate::api;
use crate::state::State;

/// Where the visitor types. Enter sends, Shift+Enter starts a new line.
// `#[component]` makes its props struct `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Composer(state: State, node: NodeRef<html::Textarea>) -> impl IntoView {
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
