//! The help content compiled in by `build.rs`: the retrieval index (loaded
//! once per isolate) and the rendered article pages.

use std::sync::OnceLock;

use frontdesk_shared::engine::Index;
use frontdesk_shared::routing::Route;
use frontdesk_shared::sites::Site;

include!(concat!(env!("OUT_DIR"), "/help_pages.rs"));

static INDEX_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kb_index.bin"));

/// The index, deserialized on first use in this isolate.
pub fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| postcard::from_bytes(INDEX_BYTES).expect("index built by build.rs"))
}

static ROUTES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/routes.json"));

/// The `[[route]]` tables of `frontdesk.toml`, checked by `build.rs`.
pub fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| serde_json::from_str(ROUTES_JSON).expect("routes built by build.rs"))
}

static SITES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/sites.json"));

/// The `[[site]]` tables of `frontdesk.toml`, checked by `build.rs` (the
/// implicit same-origin-only site when there are none).
pub fn sites() -> &'static [Site] {
    static SITES: OnceLock<Vec<Site>> = OnceLock::new();
    SITES.get_or_init(|| serde_json::from_str(SITES_JSON).expect("sites built by build.rs"))
}

/// `(title, html body)` of the article with this slug.
pub fn page(slug: &str) -> Option<(&'static str, &'static str)> {
    PAGES
        .iter()
        .find(|(s, _, _)| *s == slug)
        .map(|(_, t, h)| (*t, *h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_article_is_indexed_and_rendered() {
        assert_eq!(index().len(), PAGES.len());
        assert!(!PAGES.is_empty());
        for (slug, _, html) in PAGES {
            assert!(html.contains("<p>"), "{slug} renders no paragraph");
        }
    }

    #[test]
    fn routes_are_compiled_in() {
        // frontdesk.toml routes billing disputes.
        assert!(routes().iter().any(|r| r.team == "billing"));
    }

    #[test]
    fn sites_are_compiled_in() {
        // frontdesk.toml serves the demo (the default), an example shop and
        // an example travel site with every per-site setting.
        let keys: Vec<&str> = sites().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["demo", "shop", "travel"]);
        assert_eq!(sites()[2].retention_days, Some(30));
        assert!(sites()[0].default);
    }
}
