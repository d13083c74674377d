//! The site owner's configuration file (`frontdesk.toml`), as far as the
//! engine needs it. Callers parse the TOML (the worker does it at build time)
//! and call [`SiteConfig::check`], so a mistake fails the build with a clear
//! message instead of silently changing what the bot does.

use crate::error::ConfigError;
use serde::Deserialize;

pub mod actions;
pub mod limits;
pub mod per_site;
pub mod settings;
pub mod sites;

use crate::retrieval::{Policy, Topic};
use crate::text::{Analyzer, Lang};
use crate::tickets::routing::{self, Route};
use crate::tickets::GENERAL_TOPIC;
use sites::Site;

/// `frontdesk.toml`. Unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// `[[always_human]]`: topics a person always handles. A message
    /// matching one of a topic's phrases escalates, and the ticket's topic
    /// is the topic's name.
    #[serde(default)]
    pub always_human: Vec<Topic>,
    /// `[[route]]`: topic → team and sinks (see [`crate::tickets::routing`]).
    #[serde(default)]
    pub route: Vec<Route>,
    /// `[[site]]`: the websites this deployment serves (see [`crate::config::sites`]).
    #[serde(default)]
    pub site: Vec<Site>,
}

impl SiteConfig {
    /// Rejects topics without a name or phrases, phrases made only of
    /// function words (they would match every message), and routes that
    /// [`routing::check`] rejects. With the help centre's `article_titles`,
    /// a route's topics must also be ones a ticket can have: an
    /// always-human name, an article title, or `general`. Sites must pass
    /// [`sites::check`], and their settings [`per_site::check`].
    pub fn check(&self, article_titles: Option<&[&str]>) -> Result<(), ConfigError> {
        sites::check(&self.site)?;
        let topics: Vec<&str> = self.always_human.iter().map(|t| t.name.as_str()).collect();
        for (i, site) in self.site.iter().enumerate() {
            per_site::check(&format!("site[{i}] ({:?})", site.key), site, &topics)?;
        }
        for (i, topic) in self.always_human.iter().enumerate() {
            let at = format!("always_human[{i}]");
            if topic.name.trim().is_empty() {
                return Err(ConfigError::new(&at, "name must not be empty"));
            }
            let at = format!("{at} ({})", topic.name);
            if topic.phrases.is_empty() {
                return Err(ConfigError::new(&at, "list at least one phrase"));
            }
            for phrase in &topic.phrases {
                let meaningful = Lang::ALL
                    .iter()
                    .all(|&l| !Analyzer::new(l).terms(phrase).is_empty());
                if !meaningful {
                    return Err(ConfigError::new(
                        &at,
                        format!("phrase {phrase:?} has no words that identify a topic"),
                    ));
                }
            }
        }
        let known: Option<Vec<&str>> = article_titles.map(|titles| {
            self.always_human
                .iter()
                .map(|t| t.name.as_str())
                .chain(titles.iter().copied())
                .chain([GENERAL_TOPIC])
                .collect()
        });
        routing::check(&self.route, known.as_deref())
    }

    /// The engine's view of this configuration.
    pub fn policy(&self) -> Policy {
        Policy {
            always_human: self.always_human.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str, phrases: &[&str]) -> Topic {
        Topic {
            name: name.into(),
            phrases: phrases.iter().map(|p| (*p).into()).collect(),
        }
    }

    #[test]
    fn checks_topics() {
        let ok = SiteConfig {
            always_human: vec![topic("legal", &["lawyer", "legal action"])],
            route: vec![],
            site: vec![],
        };
        assert_eq!(ok.check(None), Ok(()));
        for (bad, why) in [
            (topic(" ", &["lawyer"]), "name"),
            (topic("legal", &[]), "at least one phrase"),
            (topic("legal", &["the of"]), "no words"),
            (topic("legal", &["und"]), "no words"),
        ] {
            let err = SiteConfig {
                always_human: vec![bad],
                route: vec![],
                site: vec![],
            }
            .check(None)
            .unwrap_err()
            .to_string();
            assert!(err.contains(why), "{err}");
        }
    }

    #[test]
    fn routes_name_topics_a_ticket_can_have() {
        let config: SiteConfig = toml::from_str(
            r#"
            [[always_human]]
            name = "billing dispute"
            phrases = ["chargeback"]

            [[route]]
            topics = ["Billing dispute", "refund policy", "General"]
            team = "billing"
            sinks = ["webhook", "zendesk"]
            zendesk_group_id = 7
            "#,
        )
        .unwrap();
        assert_eq!(config.route[0].zendesk_group_id, Some(7));
        assert_eq!(config.check(Some(&["Refund policy"])), Ok(()));
        let err = config
            .check(Some(&["Export your notes"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"refund policy\" is neither"), "{err}");
        assert_eq!(config.check(None), Ok(()));
        let typo = toml::from_str::<SiteConfig>(
            "[[route]]\ntopics = [\"a\"]\nteam = \"b\"\nsink = [\"slack\"]\n",
        );
        assert!(typo.unwrap_err().to_string().contains("unknown field"));
        let bad: SiteConfig = toml::from_str(
            "[[route]]\ntopics = [\"general\"]\nteam = \"b\"\nsinks = [\"email\"]\n",
        )
        .unwrap();
        let err = bad.check(None).unwrap_err();
        assert_eq!(err.at, "route[0] (team \"b\")");
        assert!(err.problem.contains("unknown sink"), "{err}");
    }
}
