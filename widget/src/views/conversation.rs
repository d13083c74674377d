//! The conversation's lines: the visitor's messages (with their delivery:
//! sending, waiting in the outbox, failed with Retry), the bot's replies
//! (`reply.rs`), the ticket notice and the team's replies.

use leptos::prelude::*;

use super::reply::BotReply;
use crate::api;
use crate::i18n::fill;
use crate::model::{Delivery, Entry, Line};
use crate::state::State;

/// A line's key part besides its id: a line is drawn again when its
/// delivery changes, or when an agent reply stops being new.
pub(crate) fn delivery_tag(entry: &Entry) -> &'static str {
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
// `#[component]` makes its props struct `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn LineView(line: Line, state: State) -> impl IntoView {
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
