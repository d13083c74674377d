//! HTTP(S) fetching for the sitemap and URL importers: one blocking client,
//! a timeout per request, redirects followed by hand (at most
//! [`MAX_REDIRECTS`], each hop's scheme checked), bodies capped in size, a
//! fixed number of worker threads, and only public addresses unless the
//! user allows more.
//!
//! The address check sits in the client's name resolver: every address a
//! host name resolves to is checked, and the connection goes to exactly
//! those addresses, so a second DNS answer cannot switch the host to
//! another one after the check (DNS rebinding). Every hop of a redirect
//! connects through the same resolver. Proxies from the environment are
//! not used: through a proxy, the proxy would pick the address.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use frontdesk_shared::import::{html, safe, SkipReason};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::address;

/// Redirects followed for one URL.
pub const MAX_REDIRECTS: usize = 5;

/// Limits for fetching.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Pages fetched at once: also the most page bodies held at once.
    pub concurrency: usize,
    /// Per request, connect to last byte.
    pub timeout: Duration,
    /// Largest body read, in bytes.
    pub max_bytes: u64,
    /// The most article text (Markdown bytes) kept from fetched pages in
    /// all; the pages after it is spent are refused, not fetched.
    pub max_total_bytes: u64,
    /// Fetch from loopback, private, link-local and other non-public
    /// addresses too (`--allow-private-addresses`).
    pub allow_private: bool,
    /// These addresses are allowed even when `allow_private` is off
    /// (`--allow-address`).
    pub allowed_addresses: Vec<IpAddr>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            concurrency: 4,
            timeout: Duration::from_secs(20),
            max_bytes: 5 * 1024 * 1024,
            max_total_bytes: 64 * 1024 * 1024,
            allow_private: false,
            allowed_addresses: Vec::new(),
        }
    }
}

/// A fetched response: content type and text.
#[derive(Debug, Clone)]
pub struct Page {
    pub content_type: String,
    pub text: String,
}

/// An HTTP client with the options' limits.
pub struct Client {
    agent: ureq::Agent,
    opts: FetchOptions,
}

/// The resolver: the system's, then every address checked.
#[derive(Debug)]
struct CheckedResolver {
    inner: DefaultResolver,
    allow_private: bool,
    allowed: Vec<IpAddr>,
}

/// The error a refused address is carried in through ureq, told apart
/// from other IO errors by its type.
#[derive(Debug)]
struct AddressRefused(String);

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AddressRefused {}

impl Resolver for CheckedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if self.allow_private {
            return Ok(addrs);
        }
        // One refused address refuses the host: a name that resolves to an
        // internal address as well as a public one is not a public site.
        for a in &addrs {
            let ip = a.ip();
            if self.allowed.contains(&ip) {
                continue;
            }
            if let Some(kind) = address::refused(ip) {
                let host = uri.host().unwrap_or("?").trim_matches(['[', ']']);
                let what = if host == ip.to_string() {
                    format!("{ip} is a {kind} address")
                } else {
                    format!("{host} is at {ip}, a {kind} address")
                };
                return Err(ureq::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    AddressRefused(format!(
                        "{what} (--allow-private-addresses fetches from it)"
                    )),
                )));
            }
        }
        Ok(addrs)
    }
}

/// A ureq error as a skip reason: a refused address is `Refused`.
fn skip_reason(e: ureq::Error) -> SkipReason {
    if let ureq::Error::Io(io) = &e {
        if let Some(r) = io
            .get_ref()
            .and_then(|i| i.downcast_ref::<AddressRefused>())
        {
            return SkipReason::Refused(r.0.clone());
        }
    }
    SkipReason::Fetch(e.to_string())
}

/// Whether `url` is `http://` or `https://`.
pub fn is_http(url: &str) -> bool {
    matches!(safe::scheme(url).as_deref(), Some("http" | "https"))
}

impl Client {
    pub fn new(opts: FetchOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            // Redirects are followed in `get`, each hop checked.
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("frontdesk-import/", env!("CARGO_PKG_VERSION")))
            .build();
        let resolver = CheckedResolver {
            inner: DefaultResolver::default(),
            allow_private: opts.allow_private,
            allowed: opts.allowed_addresses.clone(),
        };
        let agent = ureq::Agent::with_parts(config, DefaultConnector::default(), resolver);
        Client { agent, opts }
    }

    /// One GET, following up to [`MAX_REDIRECTS`] redirects to `http(s)`
    /// URLs; a final status other than 2xx is an error. Any other scheme,
    /// here or in a redirect, and any address that is not allowed, are
    /// [`SkipReason::Refused`].
    pub fn get(&self, url: &str) -> Result<Page, SkipReason> {
        let mut current = url.to_owned();
        for hop in 0..=MAX_REDIRECTS {
            if !is_http(&current) {
                return Err(SkipReason::Refused(format!(
                    "not an http(s) URL: {current}"
                )));
            }
            let mut resp = self.agent.get(&current).call().map_err(skip_reason)?;
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| SkipReason::Fetch(format!("HTTP {status} without Location")))?
                    .trim()
                    .to_owned();
                if hop == MAX_REDIRECTS {
                    return Err(SkipReason::Fetch(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                }
                current = match safe::scheme(&location) {
                    Some(_) => location,
                    None => html::resolve(&current, &location).unwrap_or(location),
                };
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(SkipReason::Fetch(format!("HTTP {status}")));
            }
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let text = resp
                .body_mut()
                .with_config()
                .limit(self.opts.max_bytes)
                .read_to_string()
                .map_err(|e| SkipReason::Fetch(e.to_string()))?;
            return Ok(Page { content_type, text });
        }
        unreachable!("the last hop returns")
    }

    /// Fetches every URL with `concurrency` threads and turns each page
    /// into its result with `convert` as soon as it arrives: a thread holds
    /// one page body at a time and drops it once converted, so at most
    /// `concurrency` bodies are in memory. Results are kept while their
    /// `size`s add up to at most `max_total_bytes`; the page that would go
    /// over and every page after it are refused (those not yet fetched are
    /// not fetched). Results in the URLs' order.
    pub fn fetch_each<T: Send>(
        &self,
        urls: &[String],
        convert: impl Fn(&str, Page) -> Result<T, SkipReason> + Sync,
        size: impl Fn(&T) -> u64 + Sync,
    ) -> Vec<Result<T, SkipReason>> {
        let next = AtomicUsize::new(0);
        let used = AtomicU64::new(0);
        let spent = AtomicBool::new(false);
        let budget = self.opts.max_total_bytes;
        let over = || {
            SkipReason::Refused(format!(
                "memory budget spent: articles of {} MiB kept (--max-total-mb)",
                budget / (1024 * 1024)
            ))
        };
        let results: Vec<Mutex<Option<Result<T, SkipReason>>>> =
            urls.iter().map(|_| Mutex::new(None)).collect();
        let workers = self.opts.concurrency.clamp(1, 32).min(urls.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let r = if spent.load(Ordering::Relaxed) {
                        Err(over())
                    } else {
                        match self.get(url).and_then(|page| convert(url, page)) {
                            Ok(t) => {
                                let n = size(&t);
                                let fits =
                                    used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                                        u.checked_add(n).filter(|total| *total <= budget)
                                    });
                                if fits.is_ok() {
                                    Ok(t)
                                } else {
                                    spent.store(true, Ordering::Relaxed);
                                    Err(over())
                                }
                            }
                            Err(e) => Err(e),
                        }
                    };
                    *results[i].lock().expect("no panics while held") = Some(r);
                });
            }
        });
        results
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .expect("no panics while held")
                    .unwrap_or_else(|| Err(SkipReason::Fetch("not fetched".to_owned())))
            })
            .collect()
    }
}
