//! Topic routing: which team handles a ticket and which sinks receive it,
//! from the `[[route]]` tables of `frontdesk.toml`. A route lists triage
//! topics (always-human topic names, help-article titles, or `general`),
//! matched case-insensitively against the ticket's topic; the first route
//! that lists it wins. No match: every configured sink, no team. Pure: the
//! worker passes the sinks it is configured for.

use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Every sink a route may name (the worker's `deliver::Sink`).
pub const SINK_NAMES: &[&str] = &["webhook", "slack", "zendesk", "github"];
/// Longest team name, in characters: it becomes a GitHub label
/// (`team:<name>`, at most 50) and a Zendesk tag.
pub const MAX_TEAM_CHARS: usize = 40;

/// One `[[route]]` table. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Triage topics this route takes (case-insensitive).
    pub topics: Vec<String>,
    /// The team that handles them, at most [`MAX_TEAM_CHARS`] characters
    /// (a GitHub label and a Zendesk tag on the ticket).
    pub team: String,
    /// The sinks these tickets go to; every configured sink when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sinks: Option<Vec<String>>,
    /// Zendesk group to assign these tickets to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zendesk_group_id: Option<u64>,
}

/// Where a ticket was routed, as recorded in its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    /// The team of the route that matched; `None` when none did.
    pub team: Option<String>,
    /// The sinks the ticket is delivered to.
    pub sinks: Vec<String>,
    /// The matched route's Zendesk group, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zendesk_group_id: Option<u64>,
}

/// Topics compare case-insensitively, with runs of whitespace as one space.
fn fold(topic: &str) -> String {
    topic
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The routing of a ticket with triage topic `topic`, on a worker whose
/// configured sinks are `configured` (in delivery order). A route's sinks
/// that are not configured are left out.
pub fn resolve(routes: &[Route], topic: &str, configured: &[&str]) -> Routing {
    let topic = fold(topic);
    let Some(route) = routes
        .iter()
        .find(|r| r.topics.iter().any(|t| fold(t) == topic))
    else {
        return Routing {
            team: None,
            sinks: configured.iter().map(|s| (*s).to_owned()).collect(),
            zendesk_group_id: None,
        };
    };
    let sinks = configured
        .iter()
        .filter(|s| {
            route
                .sinks
                .as_ref()
                .is_none_or(|wanted| wanted.iter().any(|w| w == *s))
        })
        .map(|s| (*s).to_owned())
        .collect();
    Routing {
        team: Some(route.team.clone()),
        sinks,
        zendesk_group_id: route.zendesk_group_id,
    }
}

/// Checks the routes: each lists at least one topic, no topic twice (in one
/// route or across routes), a team of 1–[`MAX_TEAM_CHARS`] printable
/// characters, and, when given, known non-repeated sinks. With `known`
/// (the topics a ticket can have: always-human names, article titles and
/// `general`), every topic must be one of them.
pub fn check(routes: &[Route], known: Option<&[&str]>) -> Result<(), ConfigError> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        let at = format!("route[{i}]");
        let team = route.team.trim();
        if team.is_empty() {
            return Err(ConfigError::new(&at, "team must not be empty"));
        }
        if team != route.team || route.team.chars().any(char::is_control) {
            return Err(ConfigError::new(
                &at,
                format!(
                    "team {:?} must be one line without surrounding spaces",
                    route.team
                ),
            ));
        }
        if route.team.chars().count() > MAX_TEAM_CHARS {
            return Err(ConfigError::new(
                &at,
                format!(
                    "team {:?} is longer than {MAX_TEAM_CHARS} characters",
                    route.team
                ),
            ));
        }
        let at = format!("{at} (team {:?})", route.team);
        if route.topics.is_empty() {
            return Err(ConfigError::new(&at, "list at least one topic"));
        }
        for topic in &route.topics {
            let folded = fold(topic);
            if folded.is_empty() {
                return Err(ConfigError::new(&at, "a topic is empty"));
            }
            if let Some((_, j)) = seen.iter().find(|(t, _)| *t == folded) {
                let problem = if *j == i {
                    format!("topic {topic:?} is listed twice")
                } else {
                    format!(
                        "topic {topic:?} is already routed by route[{j}]; \
                         the first match wins, so list it once"
                    )
                };
                return Err(ConfigError::new(&at, problem));
            }
            if let Some(known) = known {
                if !known.iter().any(|k| fold(k) == folded) {
                    return Err(ConfigError::new(&at, format!(
                        "topic {topic:?} is neither an always_human name nor a help-article title (nor \"general\"), so no ticket would match it"
                    )));
                }
            }
            seen.push((folded, i));
        }
        if let Some(sinks) = &route.sinks {
            if sinks.is_empty() {
                return Err(ConfigError::new(
                    &at,
                    "sinks is empty; leave it out to use every configured sink",
                ));
            }
            for (k, sink) in sinks.iter().enumerate() {
                if !SINK_NAMES.contains(&sink.as_str()) {
                    return Err(ConfigError::new(
                        &at,
                        format!("unknown sink {sink:?} (one of {})", SINK_NAMES.join(", ")),
                    ));
                }
                if sinks[..k].contains(sink) {
                    return Err(ConfigError::new(
                        &at,
                        format!("sink {sink:?} is listed twice"),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(topics: &[&str], team: &str, sinks: Option<&[&str]>) -> Route {
        Route {
            topics: topics.iter().map(|t| (*t).into()).collect(),
            team: team.into(),
            sinks: sinks.map(|s| s.iter().map(|x| (*x).into()).collect()),
            zendesk_group_id: None,
        }
    }

    const ALL: &[&str] = &["webhook", "slack", "zendesk", "github"];

    #[test]
    fn first_matching_route_wins_case_insensitively() {
        let mut billing = route(
            &["billing dispute", "Refund policy"],
            "billing",
            Some(&["zendesk", "webhook"]),
        );
        billing.zendesk_group_id = Some(42);
        let routes = vec![
            billing,
            route(&["security incident"], "security", None),
            route(&["REFUND  policy"], "never", None),
        ];
        let r = resolve(&routes, "refund policy", ALL);
        assert_eq!(r.team.as_deref(), Some("billing"));
        // In the configured order, whatever order the route lists them in.
        assert_eq!(r.sinks, ["webhook", "zendesk"]);
        assert_eq!(r.zendesk_group_id, Some(42));
        let r = resolve(&routes, "Security Incident", ALL);
        assert_eq!(r.team.as_deref(), Some("security"));
        assert_eq!(r.sinks, ALL);
        let none = resolve(&routes, "Export your notes", ALL);
        assert_eq!(none.team, None);
        assert_eq!(none.sinks, ALL);
        assert_eq!(none.zendesk_group_id, None);
    }

    #[test]
    fn unconfigured_sinks_of_a_route_are_left_out() {
        let routes = vec![route(&["legal"], "legal", Some(&["zendesk", "slack"]))];
        let r = resolve(&routes, "legal", &["webhook", "slack"]);
        assert_eq!(r.sinks, ["slack"]);
        assert_eq!(resolve(&routes, "legal", &[]).sinks, Vec::<String>::new());
    }

    #[test]
    fn checks_routes() {
        let known: &[&str] = &["billing dispute", "Refund policy", "general"];
        let ok = vec![
            route(
                &["Billing dispute", "refund policy"],
                "billing",
                Some(&["webhook"]),
            ),
            route(&["general"], "front line", None),
        ];
        assert_eq!(check(&ok, Some(known)), Ok(()));
        for (bad, why) in [
            (vec![route(&[], "billing", None)], "at least one topic"),
            (vec![route(&["legal"], " ", None)], "team must not be empty"),
            (
                vec![route(&["legal"], " billing", None)],
                "surrounding spaces",
            ),
            (vec![route(&["legal"], "a\nb", None)], "one line"),
            (
                vec![route(&["legal"], &"x".repeat(41), None)],
                "longer than 40",
            ),
            (
                vec![route(&["legal"], "l", Some(&["email"]))],
                "unknown sink \"email\"",
            ),
            (vec![route(&["legal"], "l", Some(&[]))], "leave it out"),
            (
                vec![route(&["legal"], "l", Some(&["slack", "slack"]))],
                "listed twice",
            ),
            (vec![route(&["legal", "Legal"], "l", None)], "listed twice"),
            (vec![route(&["  "], "l", None)], "empty"),
            (
                vec![route(&["legal"], "a", None), route(&["LEGAL"], "b", None)],
                "already routed by route[0]",
            ),
        ] {
            let err = check(&bad, None).unwrap_err().to_string();
            assert!(err.contains(why), "{why}: {err}");
        }
        let err = check(&[route(&["Refund polcy"], "billing", None)], Some(known))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"Refund polcy\" is neither"), "{err}");
        // Without the article titles, any topic passes.
        assert_eq!(check(&[route(&["Refund polcy"], "b", None)], None), Ok(()));
    }

    #[test]
    fn routing_round_trips_and_stays_optional() {
        let r = Routing {
            team: Some("billing".into()),
            sinks: vec!["webhook".into()],
            zendesk_group_id: None,
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"team": "billing", "sinks": ["webhook"]})
        );
        assert_eq!(serde_json::from_value::<Routing>(json).unwrap(), r);
    }
}
