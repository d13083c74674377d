//! Live conversations: one Durable Object per conversation (`Room`, bound
//! as `ROOMS`, named by the conversation id) holds its WebSocket
//! connections through the hibernation API, so an idle connection costs
//! nothing: no query, no timer, no memory while nobody speaks.
//!
//! - `connect`: the worker has checked the visitor (their conversation,
//!   its site, the page's origin, the limits) and hands the upgrade here;
//!   the socket is accepted (tagged with its side), then the agent replies
//!   after the client's last id are read from D1 and sent, so a reply
//!   stored meanwhile arrives twice at most (the client keeps ids), never
//!   not at all.
//! - `broadcast`: a message already stored in D1 (D1 is the record; this
//!   is only news of it), a typing indicator or "an agent has joined", to
//!   every connection (or the visitor's).
//! - A client's only frame is "typing" (`LiveFrame`), relayed to the
//!   other side at most every `LIVE_TYPING_MS`; anything else is ignored.

use frontdesk_api::wire::{LiveEvent, LiveFrame, Role, LIVE_TYPING_MS, MAX_LIVE_FRAME_BYTES};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

use crate::db::{self, D1};
use crate::platform::now_ms;
use crate::vars::AGENT_PROTOCOL;

/// The binding of the `Room` objects.
pub(crate) const BINDING: &str = "ROOMS";
/// The room of the agents' ticket list (not a conversation: conversation
/// ids are UUIDs): told when a ticket is opened, answered or closed.
pub(crate) const INBOX: &str = "inbox";

/// Hands a checked WebSocket upgrade (a visitor's, or an agent's) to
/// conversation `id`'s room, which answers `101 Switching Protocols` with
/// the client's end. A visitor's connection first gets the agent replies
/// after `after` (a file's with its link under `base`, the worker's
/// origin); an agent's gets none (the inbox reads the conversation) and is
/// answered with the agent subprotocol it asked for.
pub(crate) async fn connect(
    env: &Env,
    id: &str,
    side: Role,
    after: i64,
    base: &str,
) -> worker::Result<Response> {
    let stub = env.durable_object(BINDING)?.get_by_name(id)?;
    let mut url = worker::Url::parse("https://room/connect")?;
    url.query_pairs_mut()
        .append_pair("conversation", id)
        .append_pair("side", side.as_str())
        .append_pair("after", &after.to_string())
        .append_pair("base", base);
    let url = url.to_string();
    let mut init = RequestInit::new();
    let headers = worker::Headers::new();
    headers.set("Upgrade", "websocket")?;
    init.with_method(Method::Get).with_headers(headers);
    stub.fetch_with_request(Request::new_with_init(&url, &init)?)
        .await
}

/// Sends `event` to the connections of conversation `id` (of `side` only,
/// if given). `Err`: the room could not be reached; what was stored is
/// still there for the catch-up and the long poll.
pub(crate) async fn broadcast(
    env: &Env,
    id: &str,
    event: &LiveEvent,
    side: Option<Role>,
) -> Result<(), String> {
    let stub = env
        .durable_object(BINDING)
        .and_then(|ns| ns.get_by_name(id))
        .map_err(|e| format!("no {BINDING} binding: {e}"))?;
    let mut url = "https://room/broadcast".to_owned();
    if let Some(side) = side {
        url.push_str("?side=");
        url.push_str(side.as_str());
    }
    let mut init = RequestInit::new();
    let body = serde_json::to_string(event).map_err(|e| e.to_string())?;
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init(&url, &init).map_err(|e| e.to_string())?;
    let res = stub
        .fetch_with_request(req)
        .await
        .map_err(|e| e.to_string())?;
    match res.status_code() {
        204 => Ok(()),
        status => Err(format!("room answered {status}")),
    }
}

/// What a connection remembers across hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seat {
    side: Role,
    /// When its typing was last relayed (ms).
    typed: i64,
    /// The conversation (a visitor's `seen` is marked on it).
    #[serde(default)]
    conversation: String,
}

#[durable_object(websocket)]
pub struct Room {
    state: State,
    env: Env,
}

impl Room {
    async fn connect(&self, url: &worker::Url) -> worker::Result<Response> {
        let mut conversation = None;
        let mut side = None;
        let mut after = 0;
        let mut base = String::new();
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "base" => base = v.into_owned(),
                "conversation" => conversation = Some(v.into_owned()),
                "side" => side = side_named(&v),
                "after" => after = v.parse::<i64>().unwrap_or(0).max(0),
                _ => {}
            }
        }
        let (Some(conversation), Some(side)) = (conversation, side) else {
            return Response::error("conversation and side", 400);
        };
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[side.as_str()]);
        pair.server.serialize_attachment(Seat {
            side,
            typed: 0,
            conversation: conversation.clone(),
        })?;
        if side == Role::Agent {
            self.send(&LiveEvent::Joined, Some(Role::Visitor));
            let mut response = Response::from_websocket(pair.client)?;
            response
                .headers_mut()
                .set("Sec-WebSocket-Protocol", AGENT_PROTOCOL)?;
            return Ok(response);
        }
        // After the accept: a reply stored from now on is broadcast to this
        // socket too, so reading after it leaves no gap.
        let db = D1::of(&self.env).map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
        match db::messages::agent_replies(&db, &conversation, after).await {
            Ok(mut missed) => {
                let secret = crate::settings::Settings::of(&self.env).agent_token.clone();
                crate::attachments::sign_links(secret.as_deref(), &base, now_ms(), &mut missed);
                let last = missed.last().map(|m| m.id);
                for message in missed {
                    pair.server.send(&LiveEvent::Message { message })?;
                }
                if let Some(last) = last {
                    // Shown: not to be e-mailed.
                    if let Err(e) = db::emails::delivered(&db, &conversation, last, now_ms()).await
                    {
                        worker::console_error!("room: marking delivered: {e:?}");
                    }
                }
            }
            Err(e) => {
                // The client reads them by long polling instead.
                worker::console_error!("room: catch-up failed: {e:?}");
                pair.server.close(Some(1011), Some("try again"))?;
            }
        }
        Response::from_websocket(pair.client)
    }

    /// Sends `event` to every connection (of `side`, if given); a socket
    /// that cannot take it is closing anyway.
    fn send(&self, event: &LiveEvent, side: Option<Role>) {
        let sockets = match side {
            Some(side) => self.state.get_websockets_with_tag(side.as_str()),
            None => self.state.get_websockets(),
        };
        for ws in sockets {
            let _ = ws.send(event);
        }
    }
}

/// A client's text frame, if it is one: at most [`MAX_LIVE_FRAME_BYTES`]
/// of JSON naming a known frame.
pub(crate) fn frame(text: &str) -> Option<LiveFrame> {
    if text.len() > MAX_LIVE_FRAME_BYTES {
        return None;
    }
    serde_json::from_str(text).ok()
}

fn side_named(name: &str) -> Option<Role> {
    match name {
        "visitor" => Some(Role::Visitor),
        "agent" => Some(Role::Agent),
        _ => None,
    }
}

impl DurableObject for Room {
    fn new(state: State, env: Env) -> Self {
        Room { state, env }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        match url.path() {
            "/connect" => self.connect(&url).await,
            "/broadcast" => {
                let event: LiveEvent = match req.json().await {
                    Ok(event) => event,
                    Err(e) => return Response::error(format!("bad event: {e}"), 400),
                };
                let side = url
                    .query_pairs()
                    .find(|(k, _)| k == "side")
                    .and_then(|(_, v)| side_named(&v));
                self.send(&event, side);
                Ok(Response::empty()?.with_status(204))
            }
            _ => Response::error("no such room path", 404),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            return Ok(());
        };
        let Some(frame) = frame(&text) else {
            return Ok(());
        };
        let Some(mut seat) = ws.deserialize_attachment::<Seat>()? else {
            return Ok(());
        };
        let now = now_ms();
        match frame {
            LiveFrame::Seen { id } if seat.side == Role::Visitor => {
                // The widget showed the replies up to `id`: no e-mail for them.
                let db =
                    D1::of(&self.env).map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
                if let Err(e) = db::emails::delivered(&db, &seat.conversation, id, now).await {
                    worker::console_error!("room: marking replies seen: {e:?}");
                }
            }
            LiveFrame::Typing if now - seat.typed >= LIVE_TYPING_MS => {
                seat.typed = now;
                let side = seat.side;
                ws.serialize_attachment(seat)?;
                let other = match side {
                    Role::Visitor => Role::Agent,
                    _ => Role::Visitor,
                };
                self.send(&LiveEvent::Typing { from: side }, Some(other));
            }
            _ => {}
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Completes the closing handshake the client started.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_may_only_say_it_is_typing() {
        assert_eq!(frame(r#"{"type":"typing"}"#), Some(LiveFrame::Typing));
        let long = format!(r#"{{"type":"typing","pad":"{}"}}"#, "x".repeat(300));
        for bad in [
            "",
            "typing",
            r#"{"type":"message","message":{"id":1,"role":"agent","text":"forged","at":0}}"#,
            r#"{"type":"joined"}"#,
            long.as_str(),
        ] {
            assert_eq!(frame(bad), None, "{bad}");
        }
        assert_eq!(side_named("agent"), Some(Role::Agent));
        assert_eq!(side_named("bot"), None);
    }
}
