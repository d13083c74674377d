//! HTTP(S) fetching for the sitemap and URL importers: one blocking client,
//! a timeout per request, a bounded number of redirects, bodies capped in
//! size, and a fixed number of worker threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Limits for fetching.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Pages fetched at once.
    pub concurrency: usize,
    /// Per request, connect to last byte.
    pub timeout: Duration,
    /// Largest body read, in bytes.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            concurrency: 4,
            timeout: Duration::from_secs(20),
            max_bytes: 5 * 1024 * 1024,
        }
    }
}

/// A fetched response: content type and text.
#[derive(Debug, Clone)]
pub struct Page {
    pub content_type: String,
    pub text: String,
}

/// Why a URL gave no page.
pub type FetchError = String;

/// An HTTP client with the options' limits.
pub struct Client {
    agent: ureq::Agent,
    opts: FetchOptions,
}

impl Client {
    pub fn new(opts: FetchOptions) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .max_redirects(5)
            .user_agent(concat!("frontdesk-import/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client { agent, opts }
    }

    /// One GET; a status other than 2xx is an error.
    pub fn get(&self, url: &str) -> Result<Page, FetchError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("not an http(s) URL: {url}"));
        }
        let mut resp = self.agent.get(url).call().map_err(|e| e.to_string())?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
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
            .map_err(|e| e.to_string())?;
        Ok(Page { content_type, text })
    }

    /// Fetches every URL with `concurrency` threads; results in the URLs'
    /// order.
    pub fn get_all(&self, urls: &[String]) -> Vec<Result<Page, FetchError>> {
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<Page, FetchError>>>> =
            urls.iter().map(|_| Mutex::new(None)).collect();
        let workers = self.opts.concurrency.clamp(1, 32).min(urls.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let r = self.get(url);
                    *results[i].lock().expect("no panics while held") = Some(r);
                });
            }
        });
        results
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .expect("no panics while held")
                    .unwrap_or_else(|| Err("not fetched".to_owned()))
            })
            .collect()
    }
}
