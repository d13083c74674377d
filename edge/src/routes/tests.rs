use worker::Method::{self, Delete, Get, Head, Options, Patch, Post, Put};

use super::*;

fn ok(method: Method, path: &str) -> (Group, Endpoint, Vec<&str>) {
    let m = resolve(&method, path).unwrap_or_else(|e| panic!("{method:?} {path}: {e:?}"));
    (m.group, m.endpoint, m.params)
}

/// Every endpoint the widget, the inbox and the admin tools call, with its
/// group (which decides the guard) and its path parameters.
#[test]
fn every_endpoint_has_its_group_and_parameters() {
    use Endpoint as E;
    let cases: &[(Method, &str, Group, Endpoint, &[&str])] = &[
        (Get, "/healthz", Group::Public, E::Health, &[]),
        (Head, "/healthz", Group::Public, E::Health, &[]),
        (
            Get,
            "/help/de/kuendigen",
            Group::Public,
            E::HelpPage,
            &["de/kuendigen"],
        ),
        (Post, "/api/v1/chat", Group::Visitor, E::Chat, &[]),
        (Post, "/api/v1/handoff", Group::Visitor, E::Handoff, &[]),
        (Post, "/api/v1/feedback", Group::Visitor, E::Feedback, &[]),
        (
            Get,
            "/api/v1/conversations/c1",
            Group::Conversation,
            E::ConversationShow,
            &["c1"],
        ),
        (
            Delete,
            "/api/v1/conversations/c1",
            Group::Conversation,
            E::ConversationDelete,
            &["c1"],
        ),
        (
            Get,
            "/api/v1/conversations/c1/replies",
            Group::Conversation,
            E::ConversationReplies,
            &["c1"],
        ),
        (
            Get,
            "/api/v1/agent/tickets",
            Group::Agent,
            E::AgentTickets,
            &[],
        ),
        (
            Get,
            "/api/v1/agent/tickets/FD-1",
            Group::Agent,
            E::AgentTicket,
            &["FD-1"],
        ),
        (
            Post,
            "/api/v1/agent/tickets/FD-1/reply",
            Group::Agent,
            E::AgentReply,
            &["FD-1"],
        ),
        (
            Post,
            "/api/v1/agent/tickets/FD-1/attachments",
            Group::Agent,
            E::AgentAttach,
            &["FD-1"],
        ),
        (
            Post,
            "/api/v1/agent/tickets/FD-1/close",
            Group::Agent,
            E::AgentClose,
            &["FD-1"],
        ),
        (
            Get,
            "/api/v1/admin/content",
            Group::Admin,
            E::AdminContent,
            &[],
        ),
        (
            Get,
            "/api/v1/admin/content/index",
            Group::Admin,
            E::AdminContentIndex,
            &[],
        ),
        (
            Put,
            "/api/v1/admin/content",
            Group::Admin,
            E::AdminContentPut,
            &[],
        ),
        (
            Delete,
            "/api/v1/admin/content/faq",
            Group::Admin,
            E::AdminContentDelete,
            &["faq"],
        ),
        (
            Get,
            "/api/v1/admin/insights",
            Group::Admin,
            E::AdminInsights,
            &[],
        ),
        (
            Get,
            "/api/v1/admin/export",
            Group::Admin,
            E::AdminExport,
            &[],
        ),
        (
            Get,
            "/api/v1/admin/conversations/c1",
            Group::Admin,
            E::AdminConversation,
            &["c1"],
        ),
    ];
    for (method, path, group, endpoint, params) in cases {
        assert_eq!(
            ok(method.clone(), path),
            (*group, *endpoint, params.to_vec()),
            "{method:?} {path}"
        );
    }
}

/// A known path with another method is a 405, anything else a 404 — one
/// rule for every group.
#[test]
fn a_known_path_with_another_method_is_405_anything_else_404() {
    for (method, path) in [
        (Get, "/api/v1/chat"),
        (Put, "/api/v1/handoff"),
        (Post, "/healthz"),
        (Post, "/help/x"),
        (Post, "/api/v1/conversations/c1"),
        (Delete, "/api/v1/conversations/c1/replies"),
        (Delete, "/api/v1/agent/tickets"),
        (Get, "/api/v1/agent/tickets/FD-1/reply"),
        (Patch, "/api/v1/admin/content"),
        (Post, "/api/v1/admin/insights"),
        (Options, "/api/v1/admin/export"),
    ] {
        assert_eq!(
            resolve(&method, path),
            Err(Miss::MethodNotAllowed),
            "{method:?} {path}"
        );
    }
    for (method, path) in [
        (Get, "/"),
        (Get, "/api/v1/chats"),
        (Post, "/api/v1/chat/x"),
        (Get, "/api/v1/conversations/"),
        (Get, "/api/v1/conversations/c1/replies/x"),
        (Get, "/api/v1/agent/tickets/"),
        (Get, "/api/v1/agent/nothing"),
        (Delete, "/api/v1/admin/content/"),
        (Get, "/api/v2/chat"),
        (Get, "/helpx"),
    ] {
        assert_eq!(
            resolve(&method, path),
            Err(Miss::NotFound),
            "{method:?} {path}"
        );
    }
}

#[test]
fn groups_by_prefix_are_the_tables_groups() {
    for r in ROUTES {
        let concrete = r.pattern.replace("{}", "x").replace("{..}", "x/y");
        if let Some(g) = Group::of_prefix(&concrete) {
            assert_eq!(g, r.group, "{}", r.pattern);
        } else {
            assert!(
                matches!(r.group, Group::Public | Group::Visitor),
                "{}",
                r.pattern
            );
        }
    }
    assert!(Group::Visitor.cross_origin() && Group::Conversation.cross_origin());
    assert!(!Group::Agent.cross_origin() && !Group::Admin.cross_origin());
}
