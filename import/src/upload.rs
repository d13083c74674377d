//! `--upload`: the bundle to a running deployment's admin endpoint.

use std::time::Duration;

use frontdesk_shared::import::Bundle;
use frontdesk_shared::retrieval::content::{MAX_UPLOAD_ARTICLES, MAX_UPLOAD_BYTES};

/// A bundle as the admin endpoint takes it: parts of at most
/// `MAX_UPLOAD_ARTICLES` articles and `MAX_UPLOAD_BYTES` of JSON (less a
/// margin), in order, each article in one part. Each part is a `merge`
/// upload, so together they add or replace every article of the bundle.
pub fn parts(bundle: &Bundle) -> Vec<Bundle> {
    // `{"articles":[` … `]}` and a comma per article.
    const MARGIN: usize = 1024;
    let mut parts: Vec<Bundle> = Vec::new();
    let mut size = 0;
    for item in &bundle.articles {
        let bytes = serde_json::to_string(item).map_or(0, |j| j.len()) + 1;
        match parts.last_mut() {
            Some(part)
                if part.articles.len() < MAX_UPLOAD_ARTICLES
                    && size + bytes <= MAX_UPLOAD_BYTES - MARGIN =>
            {
                part.articles.push(item.clone());
                size += bytes;
            }
            _ => {
                parts.push(Bundle {
                    articles: vec![item.clone()],
                });
                size = bytes;
            }
        }
    }
    parts
}

/// [`put_bundle`] for each of the bundle's [`parts`], in order, stopping
/// at the first refusal (the parts before it are live). Returns each
/// part's URL, status and response text.
pub fn put_parts(
    base: &str,
    token: &str,
    bundle: &Bundle,
) -> Result<Vec<(String, u16, String)>, String> {
    let parts = parts(bundle);
    let total = parts.len();
    let mut answers = Vec::with_capacity(total);
    for (i, part) in parts.iter().enumerate() {
        let answer = put_bundle(base, token, part).map_err(|e| {
            format!(
                "part {} of {total} ({} articles): {e}; the parts before it were uploaded",
                i + 1,
                part.articles.len()
            )
        })?;
        answers.push(answer);
    }
    Ok(answers)
}

/// `PUT <base>/api/v1/admin/content` with the bundle as JSON and the admin
/// token as a bearer token. Returns the URL, status and response text of a
/// 2xx answer; any other answer is an error carrying them.
pub fn put_bundle(
    base: &str,
    token: &str,
    bundle: &Bundle,
) -> Result<(String, u16, String), String> {
    let url = format!("{}/api/v1/admin/content", base.trim_end_matches('/'));
    let body = serde_json::to_string(bundle).map_err(|e| e.to_string())?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut resp = agent
        .put(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    if (200..300).contains(&status) {
        Ok((url, status, text))
    } else {
        Err(format!("{url} answered {status}: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_shared::import::BundleItem;

    fn bundle(n: usize, source_bytes: usize) -> Bundle {
        Bundle {
            articles: (0..n)
                .map(|i| BundleItem {
                    slug: format!("a-{i}"),
                    source: "x".repeat(source_bytes),
                })
                .collect(),
        }
    }

    #[test]
    fn a_bundle_is_cut_into_parts_the_endpoint_takes_in_order() {
        // Small: one part, as it was.
        assert_eq!(parts(&bundle(3, 10)), vec![bundle(3, 10)]);
        assert!(parts(&Bundle::default()).is_empty());
        // Many small articles: by count.
        let many = bundle(MAX_UPLOAD_ARTICLES * 2 + 1, 10);
        let cut = parts(&many);
        let sizes: Vec<usize> = cut.iter().map(|p| p.articles.len()).collect();
        assert_eq!(sizes, [MAX_UPLOAD_ARTICLES, MAX_UPLOAD_ARTICLES, 1]);
        // Long articles: by bytes.
        let long = bundle(100, 200 * 1024);
        let cut = parts(&long);
        assert!(cut.len() >= 3, "{}", cut.len());
        for part in &cut {
            let json = serde_json::to_string(part).unwrap();
            assert!(json.len() <= MAX_UPLOAD_BYTES, "{}", json.len());
        }
        // Every article once, in order.
        let back: Vec<BundleItem> = cut.into_iter().flat_map(|p| p.articles).collect();
        assert_eq!(back, long.articles);
    }
}
