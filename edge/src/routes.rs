//! The worker's one route table: every endpoint, the group it belongs to,
//! and the one place a request becomes a 404 or a 405. Pure, so the table is
//! tested natively; `lib.rs` runs each group's guard and dispatches.
//!
//! Groups and their guards (run by `lib.rs`):
//! - [`Group::Public`]: health and help pages, no guard.
//! - [`Group::Visitor`]: chat, handoff, feedback, an action's confirmation —
//!   the site key and the
//!   page's origin (`site::Caller::site`), checked once the route is known.
//! - [`Group::Conversation`]: a visitor's own conversation — the caller
//!   (`site::Caller`) before the route, the conversation's site after.
//! - [`Group::Agent`] and [`Group::Admin`]: their bearer token, checked
//!   before the route, so an unknown path tells a stranger nothing.

use worker::Method;

/// Who may call a route, and what is checked before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Public,
    Visitor,
    Conversation,
    Agent,
    Admin,
}

impl Group {
    /// The group a path belongs to by its prefix, for the guards that run
    /// before the route is matched; `None` for paths matched first.
    pub(crate) fn of_prefix(path: &str) -> Option<Group> {
        [
            ("/api/v1/agent/", Group::Agent),
            ("/api/v1/admin/", Group::Admin),
            ("/api/v1/conversations/", Group::Conversation),
        ]
        .into_iter()
        .find_map(|(prefix, group)| path.starts_with(prefix).then_some(group))
    }

    /// Whether a browser on another origin (the host page) may call it.
    pub(crate) fn cross_origin(self) -> bool {
        matches!(self, Group::Visitor | Group::Conversation)
    }
}

/// An endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Health,
    HelpPage,
    Chat,
    Handoff,
    Feedback,
    ActionConfirm,
    ConversationShow,
    ConversationDelete,
    ConversationReplies,
    ConversationLive,
    ConversationAttach,
    Attachment,
    EmailInbound,
    EmailUnsubscribePage,
    EmailUnsubscribe,
    AgentTickets,
    AgentTicket,
    AgentReply,
    AgentAttach,
    AgentClose,
    AgentTyping,
    AgentJoin,
    AgentLive,
    AgentInboxLive,
    AdminContent,
    AdminContentIndex,
    AdminContentPut,
    AdminContentDelete,
    AdminInsights,
    AdminExport,
    AdminConversation,
}

/// One row: a method, a path pattern (`{}` is one segment, a final `{..}`
/// the rest of the path), the group and the endpoint.
struct Route {
    method: Method,
    pattern: &'static str,
    group: Group,
    endpoint: Endpoint,
}

const fn route(method: Method, pattern: &'static str, group: Group, endpoint: Endpoint) -> Route {
    Route {
        method,
        pattern,
        group,
        endpoint,
    }
}

/// Every route. `HEAD` is served wherever `GET` is.
const ROUTES: &[Route] = {
    use Endpoint as E;
    use Group::{Admin, Agent, Conversation, Public, Visitor};
    use Method::{Delete, Get, Post, Put};
    &[
        route(Get, "/healthz", Public, E::Health),
        route(Get, "/help/{..}", Public, E::HelpPage),
        route(Post, "/api/v1/chat", Visitor, E::Chat),
        route(Post, "/api/v1/handoff", Visitor, E::Handoff),
        route(Post, "/api/v1/feedback", Visitor, E::Feedback),
        route(Post, "/api/v1/actions/confirm", Visitor, E::ActionConfirm),
        route(
            Get,
            "/api/v1/conversations/{}",
            Conversation,
            E::ConversationShow,
        ),
        route(
            Delete,
            "/api/v1/conversations/{}",
            Conversation,
            E::ConversationDelete,
        ),
        route(
            Get,
            "/api/v1/conversations/{}/replies",
            Conversation,
            E::ConversationReplies,
        ),
        route(
            Get,
            "/api/v1/conversations/{}/live",
            Conversation,
            E::ConversationLive,
        ),
        route(
            Post,
            "/api/v1/conversations/{}/attachments",
            Conversation,
            E::ConversationAttach,
        ),
        route(Get, "/api/v1/attachments/{}", Public, E::Attachment),
        route(Post, "/api/v1/email/inbound", Public, E::EmailInbound),
        route(
            Get,
            "/api/v1/email/unsubscribe",
            Public,
            E::EmailUnsubscribePage,
        ),
        route(
            Post,
            "/api/v1/email/unsubscribe",
            Public,
            E::EmailUnsubscribe,
        ),
        route(Get, "/api/v1/agent/tickets", Agent, E::AgentTickets),
        route(Get, "/api/v1/agent/tickets/{}", Agent, E::AgentTicket),
        route(Post, "/api/v1/agent/tickets/{}/reply", Agent, E::AgentReply),
        route(
            Post,
            "/api/v1/agent/tickets/{}/attachments",
            Agent,
            E::AgentAttach,
        ),
        route(Post, "/api/v1/agent/tickets/{}/close", Agent, E::AgentClose),
        route(
            Post,
            "/api/v1/agent/tickets/{}/typing",
            Agent,
            E::AgentTyping,
        ),
        route(Post, "/api/v1/agent/tickets/{}/join", Agent, E::AgentJoin),
        route(Get, "/api/v1/agent/tickets/{}/live", Agent, E::AgentLive),
        route(Get, "/api/v1/agent/live", Agent, E::AgentInboxLive),
        route(Get, "/api/v1/admin/content", Admin, E::AdminContent),
        route(
            Get,
            "/api/v1/admin/content/index",
            Admin,
            E::AdminContentIndex,
        ),
        route(Put, "/api/v1/admin/content", Admin, E::AdminContentPut),
        route(
            Delete,
            "/api/v1/admin/content/{}",
            Admin,
            E::AdminContentDelete,
        ),
        route(Get, "/api/v1/admin/insights", Admin, E::AdminInsights),
        route(Get, "/api/v1/admin/export", Admin, E::AdminExport),
        route(
            Get,
            "/api/v1/admin/conversations/{}",
            Admin,
            E::AdminConversation,
        ),
    ]
};

/// A request matched to its route, with the path's `{}` segments in order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Matched<'p> {
    pub(crate) group: Group,
    pub(crate) endpoint: Endpoint,
    pub(crate) params: Vec<&'p str>,
}

/// Why a request has no route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// No route has this path.
    NotFound,
    /// Routes have this path, none this method.
    MethodNotAllowed,
}

/// The route for `method` and `path`.
pub(crate) fn resolve<'p>(method: &Method, path: &'p str) -> Result<Matched<'p>, Miss> {
    let method = if *method == Method::Head {
        &Method::Get
    } else {
        method
    };
    let mut path_known = false;
    for r in ROUTES {
        let Some(params) = matches(r.pattern, path) else {
            continue;
        };
        if r.method == *method {
            return Ok(Matched {
                group: r.group,
                endpoint: r.endpoint,
                params,
            });
        }
        path_known = true;
    }
    Err(if path_known {
        Miss::MethodNotAllowed
    } else {
        Miss::NotFound
    })
}

/// The `{}` segments of `path` if it has the shape of `pattern`.
fn matches<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    if let Some(prefix) = pattern.strip_suffix("{..}") {
        let rest = path.strip_prefix(prefix)?;
        return Some(vec![rest]);
    }
    let mut want = pattern.split('/');
    let mut have = path.split('/');
    let mut params = Vec::new();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(params),
            (Some("{}"), Some(seg)) if !seg.is_empty() => params.push(seg),
            (Some(w), Some(h)) if w == h => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests;
