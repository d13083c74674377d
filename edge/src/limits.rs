//! Abuse limits at the edge: messages per minute, tickets per hour, model
//! tokens per day, conversation reads, long-poll seconds and ratings per
//! minute, per visitor, per IP address (an IPv6 /64) and per site. The
//! arithmetic is `frontdesk_shared::config::limits`; the counters live in the
//! `Limiter` Durable Object, one instance per scope key (`visitor:<id>`,
//! `ip:<address>`, `site:<site>`), so every isolate sees the same count.
//! A request makes one call per scope, all at once; each call checks and
//! takes its counters atomically (a Durable Object handles one storage
//! round at a time). An object deletes its storage once every counter in
//! it has been full again for a day (an alarm; see `Limiter::alarm`).
//!
//! The site's counter is a last resort: requests of a conversation that
//! started over two minutes ago may go on to twice the site's limit, new
//! ones only to the limit (`frontdesk_shared::config::limits::SITE_RESERVE`).
//!
//! Fail open: if the Durable Object cannot be reached, the request goes
//! through and the failure is logged; a limiter outage must not take
//! support down.

use frontdesk_shared::config::limits::{
    established, idle_at_ms, ip_key, retry_after_secs, Kind, Limits, Rate, Scope,
};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, State};

use crate::platform::now_ms;
use crate::settings::Settings;
use crate::AppError;

/// The Durable Object binding (wrangler.toml).
const BINDING: &str = "LIMITER";

/// Who a request counts against: the conversation, the address and the
/// site (its key, from `crate::site`).
#[derive(Debug, Clone)]
pub(crate) struct Who {
    /// The conversation the request continues; a new one has no count yet.
    pub visitor: Option<String>,
    /// `CF-Connecting-IP` as a counter key (`ip_key`: an IPv6 address by
    /// its /64); absent outside Cloudflare's edge (then only the visitor
    /// and site limits apply). `wrangler dev` sets it to the client's
    /// address.
    pub ip: Option<String>,
    pub site: String,
    /// Whether the conversation started long enough ago to use the site's
    /// reserve ([`Who::since`]).
    pub established: bool,
}

impl Who {
    pub(crate) fn new(req: &Request, visitor: Option<&str>, site: &str) -> Who {
        let ip = req
            .headers()
            .get("CF-Connecting-IP")
            .ok()
            .flatten()
            .filter(|ip| !ip.trim().is_empty())
            .map(|ip| ip_key(&ip));
        Who {
            visitor: visitor.map(str::to_owned),
            ip,
            site: site.to_owned(),
            established: false,
        }
    }

    /// The conversation started at `started` (ms; `None`: a new one):
    /// established after two minutes, when the site's reserve is open to it.
    pub(crate) fn since(mut self, started: Option<i64>) -> Who {
        self.established = established(started, now_ms());
        self
    }

    /// Each scope that applies, with its counter's key.
    fn scopes(&self) -> Vec<(Scope, String)> {
        let values = [
            (Scope::Visitor, self.visitor.as_deref()),
            (Scope::Ip, self.ip.as_deref()),
            (Scope::Site, Some(self.site.as_str())),
        ];
        values
            .into_iter()
            .filter_map(|(scope, v)| v.map(|v| (scope, scope.key(v))))
            .collect()
    }
}

/// The limits for a request of site `site`: the deployment's
/// (`LIMIT_<KIND>_<SCOPE>` vars, [`Settings`]) with the site's own
/// `limits` from `frontdesk.toml` over them.
fn limits(env: &Env, site: &str) -> Limits {
    let limits = &Settings::of(env).limits;
    match crate::content::sites().iter().find(|s| s.key == site) {
        Some(s) => frontdesk_shared::config::per_site::site_limits(limits, s),
        None => limits.clone(),
    }
}

/// What one counter is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Verb {
    /// Take `cost` if it fits (all takes of a call, or none).
    Take,
    /// Is any budget left?
    Check,
    /// Add `cost`, fitting or not.
    Charge,
    /// Give back `cost` taken before.
    Refund,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Op {
    verb: Verb,
    kind: Kind,
    rate: Rate,
    cost: u64,
}

/// Per op, milliseconds to wait (0: fine). A refused take applies none.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Waits {
    wait_ms: Vec<u64>,
}

/// Sends `ops` to the counter object `key`. `Err`: it could not be asked.
async fn ask(env: &Env, key: &str, ops: &[Op]) -> Result<Waits, String> {
    let stub = env
        .durable_object(BINDING)
        .and_then(|ns| ns.get_by_name(key))
        .map_err(|e| format!("no {BINDING} binding: {e}"))?;
    let mut init = RequestInit::new();
    let body = serde_json::to_string(ops).map_err(|e| e.to_string())?;
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init("https://limiter/", &init).map_err(|e| e.to_string())?;
    let mut res = stub
        .fetch_with_request(req)
        .await
        .map_err(|e| e.to_string())?;
    if res.status_code() != 200 {
        return Err(format!("limiter answered {}", res.status_code()));
    }
    res.json::<Waits>().await.map_err(|e| e.to_string())
}

/// Asks every scope's counter at once; a failed call is logged and
/// counts as all fine (fail open).
async fn ask_all(env: &Env, calls: &[(String, Vec<Op>)]) -> Vec<Waits> {
    let answers = join_all(calls.iter().map(|(key, ops)| ask(env, key, ops))).await;
    answers
        .into_iter()
        .zip(calls)
        .map(|(answer, (key, ops))| {
            answer.unwrap_or_else(|e| {
                worker::console_error!("limiter {key}: {e}; letting the request through");
                Waits {
                    wait_ms: vec![0; ops.len()],
                }
            })
        })
        .collect()
}

/// Takes one `kind` (a message or a ticket) from every scope of `who`, or
/// refuses the request with `rate_limited` (429, `Retry-After`) and takes
/// nothing anywhere. With `tokens`, also says whether every scope has
/// model tokens left today (`Ok(false)`: answer without the model).
pub(crate) async fn admit(
    env: &Env,
    who: &Who,
    kind: Kind,
    tokens: bool,
) -> Result<bool, AppError> {
    admit_all(env, who, &[(kind, 1)], tokens).await
}

/// [`admit`] for several kinds at once, each with its cost (a long poll
/// takes a read and its seconds): all of them from every scope, or none.
pub(crate) async fn admit_all(
    env: &Env,
    who: &Who,
    takes: &[(Kind, u64)],
    tokens: bool,
) -> Result<bool, AppError> {
    let limits = limits(env, &who.site);
    let mut calls = Vec::new();
    for (scope, key) in who.scopes() {
        let mut ops = Vec::new();
        for &(kind, cost) in takes {
            let take = limits.take_rate(kind, scope, who.established);
            if !take.off() && cost > 0 {
                ops.push(Op {
                    verb: Verb::Take,
                    kind,
                    rate: take,
                    cost,
                });
            }
        }
        let budget = limits.rate(Kind::Tokens, scope);
        if tokens && !budget.off() {
            ops.push(Op {
                verb: Verb::Check,
                kind: Kind::Tokens,
                rate: budget,
                cost: 0,
            });
        }
        if !ops.is_empty() {
            calls.push((key, ops));
        }
    }
    let answers = ask_all(env, &calls).await;
    let waits = |verb: Verb| {
        calls.iter().zip(&answers).flat_map(move |((_, ops), a)| {
            ops.iter()
                .zip(&a.wait_ms)
                .filter(move |(op, _)| op.verb == verb)
                .map(|(_, &w)| w)
        })
    };
    let refused = waits(Verb::Take).max().unwrap_or(0);
    if refused > 0 {
        give_back(env, &calls, &answers).await;
        return Err(AppError::RateLimited {
            retry_after_secs: retry_after_secs(refused),
        });
    }
    Ok(waits(Verb::Check).all(|w| w == 0))
}

/// Gives `cost` of `kind` back to every scope of `who` (a long poll that
/// ended before its time: the seconds it did not hold).
pub(crate) async fn refund(env: &Env, who: &Who, kind: Kind, cost: u64) {
    if cost == 0 {
        return;
    }
    let limits = limits(env, &who.site);
    let calls: Vec<(String, Vec<Op>)> = who
        .scopes()
        .into_iter()
        .map(|(scope, key)| (limits.take_rate(kind, scope, who.established), key))
        .filter(|(rate, _)| !rate.off())
        .map(|(rate, key)| {
            let op = Op {
                verb: Verb::Refund,
                kind,
                rate,
                cost,
            };
            (key, vec![op])
        })
        .collect();
    ask_all(env, &calls).await;
}

/// Returns what the scopes that said yes took, when another said no.
async fn give_back(env: &Env, calls: &[(String, Vec<Op>)], answers: &[Waits]) {
    let refunds: Vec<(String, Vec<Op>)> = calls
        .iter()
        .zip(answers)
        .filter(|(_, a)| a.wait_ms.iter().all(|&w| w == 0))
        .map(|((key, ops), _)| {
            let ops = ops
                .iter()
                .filter(|op| op.verb == Verb::Take)
                .map(|op| Op {
                    verb: Verb::Refund,
                    ..op.clone()
                })
                .collect();
            (key.clone(), ops)
        })
        .collect();
    ask_all(env, &refunds).await;
}

/// Charges the tokens a model call used to every scope of `who`.
pub(crate) async fn charge_tokens(env: &Env, who: &Who, tokens: u64) {
    if tokens == 0 {
        return;
    }
    let limits = limits(env, &who.site);
    let calls: Vec<(String, Vec<Op>)> = who
        .scopes()
        .into_iter()
        .filter(|(scope, _)| !limits.rate(Kind::Tokens, *scope).off())
        .map(|(scope, key)| {
            let op = Op {
                verb: Verb::Charge,
                kind: Kind::Tokens,
                rate: limits.rate(Kind::Tokens, scope),
                cost: tokens,
            };
            (key, vec![op])
        })
        .collect();
    ask_all(env, &calls).await;
}

/// One scope's counters: a stored number per kind (see
/// `frontdesk_shared::config::limits`), nothing else. After a write it makes sure
/// an alarm is set; the alarm deletes the storage once the object is idle
/// (every bucket full again for a day: `frontdesk_shared::config::limits::is_idle`),
/// else sets itself again for when it will be.
#[durable_object(alarm)]
pub struct Limiter {
    state: State,
}

impl Limiter {
    /// Every stored counter (µs).
    async fn stored(&self) -> worker::Result<Vec<i64>> {
        let storage = self.state.storage();
        let mut tats = Vec::new();
        for kind in Kind::ALL {
            if let Some(tat) = storage.get::<f64>(kind_key(kind)).await? {
                tats.push(tat as i64);
            }
        }
        Ok(tats)
    }

    /// Sets the alarm for when `tats` will be idle.
    async fn wake_when_idle(&self, tats: &[i64]) -> worker::Result<()> {
        let ms = idle_at_ms(tats).saturating_sub(now_ms()).max(0);
        self.state
            .storage()
            .set_alarm(Duration::from_millis(ms as u64))
            .await
    }
}

impl DurableObject for Limiter {
    fn new(state: State, _env: Env) -> Self {
        Limiter { state }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let ops: Vec<Op> = match req.json().await {
            Ok(ops) => ops,
            Err(e) => return Response::error(format!("bad ops: {e}"), 400),
        };
        let storage = self.state.storage();
        let mut counters: Vec<(Kind, i64)> = Vec::new();
        for kind in Kind::ALL {
            if ops.iter().any(|op| op.kind == kind) {
                let tat = storage.get::<f64>(kind_key(kind)).await?.unwrap_or(0.0);
                counters.push((kind, tat as i64));
            }
        }
        let stored = counters.clone();
        let now = now_ms();
        let tat = |counters: &[(Kind, i64)], kind| {
            counters
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |&(_, t)| t)
        };
        let set = |counters: &mut Vec<(Kind, i64)>, kind, value| {
            if let Some(c) = counters.iter_mut().find(|(k, _)| *k == kind) {
                c.1 = value;
            }
        };
        // Takes first, on a copy: all of them or none.
        let mut taken = counters.clone();
        let mut wait_ms = vec![0; ops.len()];
        for (op, wait) in ops.iter().zip(wait_ms.iter_mut()) {
            match op.verb {
                Verb::Take => match op.rate.take(tat(&taken, op.kind), now, op.cost) {
                    Ok(next) => set(&mut taken, op.kind, next),
                    Err(ms) => *wait = ms.max(1),
                },
                Verb::Check => {
                    if let Err(ms) = op.rate.check(tat(&counters, op.kind), now) {
                        *wait = ms.max(1);
                    }
                }
                Verb::Charge | Verb::Refund => {}
            }
        }
        let refused = ops
            .iter()
            .zip(&wait_ms)
            .any(|(op, &w)| op.verb == Verb::Take && w > 0);
        if !refused {
            counters = taken;
        }
        for op in &ops {
            let before = tat(&counters, op.kind);
            match op.verb {
                Verb::Charge => set(&mut counters, op.kind, op.rate.charge(before, now, op.cost)),
                Verb::Refund => set(&mut counters, op.kind, op.rate.refund(before, now, op.cost)),
                Verb::Take | Verb::Check => {}
            }
        }
        let mut wrote = false;
        for &(kind, value) in &counters {
            if value != tat(&stored, kind) {
                storage.put(kind_key(kind), value as f64).await?;
                wrote = true;
            }
        }
        // One alarm at a time: it sets itself again while the object is in use.
        if wrote && storage.get_alarm().await?.is_none() {
            self.wake_when_idle(&self.stored().await?).await?;
        }
        Response::from_json(&Waits { wait_ms })
    }

    /// Deletes the object's storage (counters and all) when it is idle;
    /// an idle counter answers exactly as an absent one, so nothing
    /// changes but the space. Otherwise waits until it will be.
    async fn alarm(&self) -> worker::Result<Response> {
        let tats = self.stored().await?;
        if frontdesk_shared::config::limits::is_idle(&tats, now_ms()) {
            self.state.storage().delete_all().await?;
        } else {
            self.wake_when_idle(&tats).await?;
        }
        Response::ok("")
    }
}

/// A counter's storage key (stable: stored values are read by it).
fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Messages => "messages",
        Kind::Tickets => "tickets",
        Kind::Tokens => "tokens",
        Kind::Reads => "reads",
        Kind::Polls => "polls",
        Kind::Feedback => "feedback",
        Kind::Actions => "actions",
    }
}
