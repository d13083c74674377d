//! Errors more than one domain returns.

use std::fmt;

/// A mistake in `frontdesk.toml`, found when the worker is built (each
/// domain checks its own tables): where it is, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The table or value, e.g. `site[0] ("shop")`, `route[2]`,
    /// `always_human[1] (legal)`; empty for the file as a whole.
    pub at: String,
    /// What is wrong and what is expected, for the site owner (e.g. `list
    /// at least one phrase`); shown after `at` and a colon.
    pub problem: String,
}

impl ConfigError {
    /// The `problem` with the table or value it is `at` (empty: the file).
    pub fn new(at: impl Into<String>, problem: impl Into<String>) -> ConfigError {
        ConfigError {
            at: at.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.at, self.problem)
        }
    }
}

impl std::error::Error for ConfigError {}

/// A deployment setting (a wrangler var) with a value that cannot be read:
/// which one, and what is wrong with it. The worker logs it and keeps the
/// setting's safe default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The setting's name, e.g. `REDACT_PII`.
    pub setting: &'static str,
    /// What is wrong and what is expected, for the operator.
    pub problem: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for SettingError {}
