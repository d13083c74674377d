//! Every setting the worker reads (wrangler vars and secrets), read once per
//! isolate into typed values. A setting is the secret of that name, else the
//! var, trimmed; empty counts as unset. A bad or half-given value never
//! fails a request: it is reported once in [`Settings::problems`] (logged
//! when the isolate reads them) and the safe default applies — a typo never
//! loosens the bar to answer, never sends personal data out, never turns a
//! sink or a provider half on.
//!
//! [`Settings::read`] is pure (it takes a lookup), so the rules are tested
//! natively; [`Settings::of`] reads the worker's bindings.

use std::cell::OnceCell;
use std::rc::Rc;
use std::time::Duration;

use frontdesk_shared::config::limits::Limits;
use frontdesk_shared::llm::redact::PiiKinds;
use frontdesk_shared::retrieval::HybridThresholds;
use frontdesk_shared::{insights, llm};
use worker::Env;

/// The Workers AI model used when `AI_MODEL` is unset.
pub(crate) const DEFAULT_WORKERS_AI_MODEL: &str = "@cf/meta/llama-3.1-8b-instruct";

/// Where a model is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An OpenAI-compatible endpoint (`AI_BASE_URL`) and its key; no key
    /// for an embeddings server that needs none.
    OpenAi { url: String, key: Option<String> },
    /// The `AI` binding.
    WorkersAi,
}

/// The text generator: `AI_PROVIDER` (`builtin`, the default, `openai`,
/// `workers-ai`), `AI_MODEL`, `AI_BASE_URL`, `AI_API_KEY`, `AI_TTFT_MS`,
/// `AI_STALL_MS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GeneratorSettings {
    pub(crate) target: Target,
    pub(crate) model: String,
    /// The longest wait for the first text before the built-in answer.
    pub(crate) ttft: Duration,
    /// The longest silence mid-answer.
    pub(crate) stall: Duration,
}

/// The embedding model: `AI_EMBEDDINGS` (`openai`, `workers-ai`),
/// `AI_EMBEDDING_BASE_URL` (else `AI_BASE_URL`), `AI_EMBEDDING_API_KEY`
/// (else `AI_API_KEY`), `AI_EMBEDDING_MODEL`, `AI_EMBED_TIMEOUT_MS`,
/// `AI_EMBEDDING_INPUT_TYPE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmbedderSettings {
    pub(crate) target: Target,
    pub(crate) model: String,
    pub(crate) timeout: Duration,
    /// Send `input_type` (query or passage), for models trained with it.
    pub(crate) input_type: bool,
}

/// A sink that delivers tickets, with what it needs; a sink is on only when
/// all of it is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SinkSettings {
    /// `WEBHOOK_URL` and `WEBHOOK_SECRET`.
    pub(crate) webhook: Option<(String, String)>,
    /// `SLACK_WEBHOOK_URL`.
    pub(crate) slack: Option<String>,
    /// `ZENDESK_URL`, `ZENDESK_EMAIL`, `ZENDESK_API_TOKEN`.
    pub(crate) zendesk: Option<Zendesk>,
    /// `GITHUB_REPO`, `GITHUB_TOKEN`, and `GITHUB_API_URL` (default
    /// `https://api.github.com`).
    pub(crate) github: Option<Github>,
}

/// Replies by e-mail (`EMAIL_PROVIDER=http`): an HTTP e-mail API taking
/// Resend's JSON shape (`shared::email::request_body`), on only when all of
/// `EMAIL_API_URL`, `EMAIL_API_KEY`, `EMAIL_FROM` and `EMAIL_REPLY_DOMAIN`
/// are set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmailSettings {
    /// `EMAIL_API_URL`: where e-mails are POSTed (`https://api.resend.com/emails`).
    pub(crate) url: String,
    /// `EMAIL_API_KEY` (a secret): sent as `Authorization: Bearer`.
    pub(crate) key: String,
    /// `EMAIL_FROM`: the sender, `Name <address>`.
    pub(crate) from: String,
    /// `EMAIL_REPLY_DOMAIN`: answers go to `reply+<token>@` it.
    pub(crate) reply_domain: String,
    /// `EMAIL_AFTER_SECS` (default 180): how long a reply may wait unseen
    /// in the widget before it is e-mailed.
    pub(crate) after_secs: u32,
    /// `EMAIL_INBOUND_SECRET` (`whsec_…`): verifies the inbound webhook
    /// that brings answers back; without it answers are refused.
    pub(crate) inbound_secret: Option<String>,
}

/// Zendesk's address and API credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zendesk {
    pub(crate) url: String,
    pub(crate) email: String,
    pub(crate) token: String,
}

/// The GitHub repository issues are opened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Github {
    pub(crate) api: String,
    pub(crate) repo: String,
    pub(crate) token: String,
}

/// The worker's settings, typed.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) generator: Option<GeneratorSettings>,
    pub(crate) embedder: Option<EmbedderSettings>,
    /// `REDACT_PII`: which personal data is redacted from text sent to an
    /// external model (all kinds unless set otherwise).
    pub(crate) pii: PiiKinds,
    /// `AI_HYBRID_THRESHOLDS`: the hybrid decision's thresholds.
    pub(crate) hybrid: HybridThresholds,
    /// `AI_SUMMARY_LANGUAGE` (default English).
    pub(crate) summary_language: String,
    /// `AI_SUMMARY_MS`: the time a handoff's summary may take.
    pub(crate) summary_budget: Duration,
    pub(crate) sinks: SinkSettings,
    /// Replies by e-mail, when configured.
    pub(crate) email: Option<EmailSettings>,
    /// `DELIVERY_BACKOFF_SECS`: the first retry's delay, doubled each time.
    pub(crate) delivery_backoff_secs: u32,
    /// `DELIVERY_TIMEOUT_MS`: one call to a sink.
    pub(crate) delivery_timeout: Duration,
    /// `RETENTION_DAYS`: conversations kept this long after their last message.
    pub(crate) retention_days: i64,
    /// `INSIGHTS_QUIET_MS`: quiet time before an answered conversation
    /// counts as resolved.
    pub(crate) insights_quiet_ms: i64,
    /// `IDENTITY_SECRET`: verifies signed-in visitors' identities.
    pub(crate) identity_secret: Option<String>,
    /// `AGENT_TOKEN`: the agent API's bearer token.
    pub(crate) agent_token: Option<String>,
    /// `ADMIN_TOKEN`: the admin API's bearer token.
    pub(crate) admin_token: Option<String>,
    /// `LIMIT_<KIND>_<SCOPE>`: the deployment's abuse limits.
    pub(crate) limits: Limits,
    /// The configured values of settings that must never reach a visitor,
    /// with their names: the output guard withholds an answer holding one.
    pub(crate) sensitive: Vec<(String, String)>,
    /// What was wrong, each with what applies instead.
    pub(crate) problems: Vec<String>,
}

/// The longest wait for a model's first text (the visitor sees nothing
/// until then).
const DEFAULT_TTFT_MS: u64 = 3000;
/// The longest silence mid-answer.
const DEFAULT_STALL_MS: u64 = 10_000;
/// One embedding call: past it the turn goes on with the words alone.
const DEFAULT_EMBED_TIMEOUT_MS: u64 = 1500;
/// A handoff's summary: past it the extractive one stays.
const DEFAULT_SUMMARY_MS: u64 = 6000;
/// One call to a sink.
const DEFAULT_DELIVERY_TIMEOUT_MS: u64 = 10_000;
/// The first retry's delay, doubled for each further attempt.
const DEFAULT_BACKOFF_SECS: u32 = 10;
/// Conversations are kept this long after their last message.
const DEFAULT_RETENTION_DAYS: i64 = 90;

/// Settings whose values must never reach a visitor: the secrets, and the
/// configuration that says where things go.
const SENSITIVE: &[&str] = &[
    "AGENT_TOKEN",
    "ADMIN_TOKEN",
    "AI_API_KEY",
    "WEBHOOK_SECRET",
    "SLACK_WEBHOOK_URL",
    "ZENDESK_API_TOKEN",
    "GITHUB_TOKEN",
    "WEBHOOK_URL",
    "ZENDESK_URL",
    "ZENDESK_EMAIL",
    "GITHUB_API_URL",
    "AI_BASE_URL",
    "EMAIL_API_KEY",
    "EMAIL_INBOUND_SECRET",
    "EMAIL_API_URL",
];

impl Settings {
    /// The settings of this isolate's bindings, read on first use; their
    /// problems are logged then, once.
    pub(crate) fn of(env: &Env) -> Rc<Settings> {
        thread_local! {
            static SETTINGS: OnceCell<Rc<Settings>> = const { OnceCell::new() };
        }
        SETTINGS.with(|cell| {
            Rc::clone(cell.get_or_init(|| {
                let settings = Settings::read(|name| binding(env, name));
                for p in &settings.problems {
                    worker::console_error!("{p}");
                }
                Rc::new(settings)
            }))
        })
    }

    /// The settings `get` gives (by name; `None` when unset).
    pub(crate) fn read(get: impl Fn(&str) -> Option<String>) -> Settings {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();
        let millis = |name: &str, default: u64, problems: &mut Vec<String>| {
            Duration::from_millis(positive(&get, name, default, problems))
        };
        let generator = generator(&get, &mut problems).map(|(target, model)| GeneratorSettings {
            target,
            model,
            ttft: millis("AI_TTFT_MS", DEFAULT_TTFT_MS, &mut problems),
            stall: millis("AI_STALL_MS", DEFAULT_STALL_MS, &mut problems),
        });
        let embedder = embedder(&get, &mut problems).map(|target| EmbedderSettings {
            target,
            model: get("AI_EMBEDDING_MODEL").unwrap_or_else(|| llm::EMBEDDING_MODEL.into()),
            timeout: millis(
                "AI_EMBED_TIMEOUT_MS",
                DEFAULT_EMBED_TIMEOUT_MS,
                &mut problems,
            ),
            input_type: get("AI_EMBEDDING_INPUT_TYPE")
                .is_some_and(|v| matches!(v.as_str(), "on" | "true" | "1")),
        });
        let pii = PiiKinds::parse(get("REDACT_PII").as_deref()).unwrap_or_else(|e| {
            problems.push(format!("{e}; redacting every kind until it is fixed"));
            PiiKinds::ALL
        });
        let hybrid = match get("AI_HYBRID_THRESHOLDS") {
            None => HybridThresholds::default(),
            Some(v) => HybridThresholds::parse(&v).unwrap_or_else(|e| {
                problems.push(format!("{e}; using the defaults until it is fixed"));
                HybridThresholds::default()
            }),
        };
        let (limits, warnings) = Limits::from_settings(get);
        problems.extend(warnings);
        let sinks = SinkSettings {
            webhook: get("WEBHOOK_URL").zip(get("WEBHOOK_SECRET")),
            slack: get("SLACK_WEBHOOK_URL"),
            zendesk: match (
                get("ZENDESK_URL"),
                get("ZENDESK_EMAIL"),
                get("ZENDESK_API_TOKEN"),
            ) {
                (Some(url), Some(email), Some(token)) => Some(Zendesk { url, email, token }),
                _ => None,
            },
            github: get("GITHUB_REPO")
                .zip(get("GITHUB_TOKEN"))
                .map(|(repo, token)| Github {
                    api: get("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
                    repo,
                    token,
                }),
        };
        let email = email(&get, &mut problems);
        Settings {
            generator,
            email,
            embedder,
            pii,
            hybrid,
            summary_language: get("AI_SUMMARY_LANGUAGE").unwrap_or_else(|| "English".into()),
            summary_budget: millis("AI_SUMMARY_MS", DEFAULT_SUMMARY_MS, &mut problems),
            sinks,
            delivery_backoff_secs: get("DELIVERY_BACKOFF_SECS")
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(DEFAULT_BACKOFF_SECS),
            delivery_timeout: millis(
                "DELIVERY_TIMEOUT_MS",
                DEFAULT_DELIVERY_TIMEOUT_MS,
                &mut problems,
            ),
            retention_days: get("RETENTION_DAYS")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|&d| d > 0)
                .unwrap_or(DEFAULT_RETENTION_DAYS),
            insights_quiet_ms: i64::try_from(positive(
                &get,
                "INSIGHTS_QUIET_MS",
                insights::DEFAULT_QUIET_MS.unsigned_abs(),
                &mut problems,
            ))
            .unwrap_or(insights::DEFAULT_QUIET_MS),
            identity_secret: get("IDENTITY_SECRET"),
            agent_token: get("AGENT_TOKEN"),
            admin_token: get("ADMIN_TOKEN"),
            limits,
            sensitive: SENSITIVE
                .iter()
                .filter_map(|&name| get(name).map(|v| (name.to_owned(), v)))
                .collect(),
            problems,
        }
    }
}

/// A setting from the bindings: the secret of that name, else the var.
pub(crate) fn binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
}

/// A positive whole number setting; `default` when unset, and when not one
/// (reported).
fn positive(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    problems: &mut Vec<String>,
) -> u64 {
    match get(name) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                problems.push(format!(
                    "{name}={v:?} is not a positive whole number; using {default}"
                ));
                default
            }
        },
    }
}

/// The generator's target and model, or `None` for the built-in engine
/// alone (a half-configured provider is reported and left off).
fn generator(
    get: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<(Target, String)> {
    let provider = get("AI_PROVIDER").unwrap_or_else(|| "builtin".into());
    let model = get("AI_MODEL");
    match provider.as_str() {
        "builtin" => None,
        "openai" => {
            let (Some(base), Some(key)) = (get("AI_BASE_URL"), get("AI_API_KEY")) else {
                problems.push(
                    "AI_PROVIDER=openai needs AI_BASE_URL and the AI_API_KEY secret; using the built-in engine".into(),
                );
                return None;
            };
            let Some(model) = model else {
                problems
                    .push("AI_PROVIDER=openai needs AI_MODEL; using the built-in engine".into());
                return None;
            };
            let target = Target::OpenAi {
                url: llm::chat_completions_url(&base),
                key: Some(key),
            };
            Some((target, model))
        }
        "workers-ai" => Some((
            Target::WorkersAi,
            model.unwrap_or_else(|| DEFAULT_WORKERS_AI_MODEL.into()),
        )),
        other => {
            problems.push(format!(
                "unknown AI_PROVIDER {other:?} (builtin, openai, workers-ai); using the built-in engine"
            ));
            None
        }
    }
}

/// Default of `EMAIL_AFTER_SECS`.
const DEFAULT_EMAIL_AFTER_SECS: u64 = 180;

/// Replies by e-mail, or `None` (off; a half-given provider is reported).
fn email(
    get: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<EmailSettings> {
    match get("EMAIL_PROVIDER")?.as_str() {
        "http" => {}
        other => {
            problems.push(format!(
                "unknown EMAIL_PROVIDER {other:?} (http); replies are not e-mailed"
            ));
            return None;
        }
    }
    let names = [
        "EMAIL_API_URL",
        "EMAIL_API_KEY",
        "EMAIL_FROM",
        "EMAIL_REPLY_DOMAIN",
    ];
    let missing: Vec<&str> = names.into_iter().filter(|n| get(n).is_none()).collect();
    if !missing.is_empty() {
        problems.push(format!(
            "EMAIL_PROVIDER=http needs {}; replies are not e-mailed",
            missing.join(", ")
        ));
        return None;
    }
    let domain = get("EMAIL_REPLY_DOMAIN")?.to_ascii_lowercase();
    if domain.contains(['@', ' ', '/']) || !domain.contains('.') {
        problems.push(format!(
            "EMAIL_REPLY_DOMAIN={domain:?} is not a domain; replies are not e-mailed"
        ));
        return None;
    }
    let after = positive(get, "EMAIL_AFTER_SECS", DEFAULT_EMAIL_AFTER_SECS, problems);
    Some(EmailSettings {
        url: get("EMAIL_API_URL")?,
        key: get("EMAIL_API_KEY")?,
        from: get("EMAIL_FROM")?,
        reply_domain: domain,
        // A queue delays a message at most 12 hours.
        after_secs: u32::try_from(after.min(43_200)).unwrap_or(180),
        inbound_secret: get("EMAIL_INBOUND_SECRET"),
    })
}

/// The embedding model's target, or `None` (lexical retrieval only).
fn embedder(get: &impl Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> Option<Target> {
    match get("AI_EMBEDDINGS")?.as_str() {
        "workers-ai" => Some(Target::WorkersAi),
        "openai" => {
            let Some(base) = get("AI_EMBEDDING_BASE_URL").or_else(|| get("AI_BASE_URL")) else {
                problems.push(
                    "AI_EMBEDDINGS=openai needs AI_EMBEDDING_BASE_URL (or AI_BASE_URL); lexical retrieval only".into(),
                );
                return None;
            };
            Some(Target::OpenAi {
                url: llm::embeddings_url(&base),
                key: get("AI_EMBEDDING_API_KEY").or_else(|| get("AI_API_KEY")),
            })
        }
        other => {
            problems.push(format!(
                "unknown AI_EMBEDDINGS {other:?} (workers-ai, openai); lexical retrieval only"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests;
