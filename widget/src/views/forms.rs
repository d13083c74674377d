//! The forms that take the composer's place: handing off to a person
//! (email and note) and confirming that the conversation be deleted. What
//! they send is the controller's (`State::hand_off`, `State::delete`).

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;

use crate::api;
use crate::i18n::fill;
use crate::state::{Mode, State};

/// Asks for an email and an optional note, prefilled with the question.
// `#[component]` makes its props struct `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn HandoffForm(state: State, email: NodeRef<html::Input>) -> impl IntoView {
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
        state.hand_off(address, note, key, error, busy);
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
// `#[component]` makes its props struct `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn DeleteForm(state: State, first: NodeRef<html::Input>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(id) = state.conversation.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        state.delete(id, error, busy);
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
