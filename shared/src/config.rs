//! The site owner's configuration file (`frontdesk.toml`), as far as the
//! engine needs it. Callers parse the TOML (the worker does it at build time)
//! and call [`SiteConfig::check`], so a mistake fails the build with a clear
//! message instead of silently changing what the bot does.

use serde::Deserialize;

use crate::engine::{Policy, Topic};
use crate::text::{Analyzer, Lang};

/// `frontdesk.toml`. Unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    #[serde(default)]
    pub always_human: Vec<Topic>,
}

impl SiteConfig {
    /// Rejects topics without a name or phrases, and phrases made only of
    /// function words (they would match every message).
    pub fn check(&self) -> Result<(), String> {
        for (i, topic) in self.always_human.iter().enumerate() {
            let at = format!("always_human[{i}]");
            if topic.name.trim().is_empty() {
                return Err(format!("{at}: name must not be empty"));
            }
            if topic.phrases.is_empty() {
                return Err(format!("{at} ({}): list at least one phrase", topic.name));
            }
            for phrase in &topic.phrases {
                let meaningful = Lang::ALL
                    .iter()
                    .all(|&l| !Analyzer::new(l).terms(phrase).is_empty());
                if !meaningful {
                    return Err(format!(
                        "{at} ({}): phrase {phrase:?} has no words that identify a topic",
                        topic.name
                    ));
                }
            }
        }
        Ok(())
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
        };
        assert_eq!(ok.check(), Ok(()));
        for (bad, why) in [
            (topic(" ", &["lawyer"]), "name"),
            (topic("legal", &[]), "at least one phrase"),
            (topic("legal", &["the of"]), "no words"),
            (topic("legal", &["und"]), "no words"),
        ] {
            let err = SiteConfig {
                always_human: vec![bad],
            }
            .check()
            .unwrap_err();
            assert!(err.contains(why), "{err}");
        }
    }
}
