//! The help content compiled in by `build.rs`: the bundled articles'
//! sources, their retrieval index, the always-human policy, and the site's
//! routes and sites. What visitors are answered from at run time (these
//! articles plus uploaded ones) is `live.rs`.

use std::sync::OnceLock;

use frontdesk_shared::config::sites::Site;
use frontdesk_shared::retrieval::kb::{parse_article, Article};
use frontdesk_shared::retrieval::Policy;
use frontdesk_shared::tickets::routing::Route;

include!(concat!(env!("OUT_DIR"), "/kb_sources.rs"));

/// The index of the bundled articles (postcard), built by `build.rs`.
pub(crate) static INDEX_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kb_index.bin"));

static POLICY_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/policy.json"));

/// The always-human topics of `frontdesk.toml`: every index built at run
/// time applies them too.
pub(crate) fn policy() -> Policy {
    serde_json::from_str(POLICY_JSON).expect("policy built by build.rs")
}

/// The bundled articles, parsed (checked by `build.rs`, so they parse).
pub(crate) fn bundled_articles() -> Vec<Article> {
    SOURCES
        .iter()
        .filter_map(|(slug, source)| parse_article(slug, source).ok())
        .collect()
}

/// The bundled articles' slugs.
pub(crate) fn bundled_slugs() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(slug, _)| *slug)
}

/// The Markdown source of the bundled article with this slug.
pub(crate) fn bundled_source(slug: &str) -> Option<&'static str> {
    SOURCES
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, src)| *src)
}

static ROUTES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/routes.json"));

/// The `[[route]]` tables of `frontdesk.toml`, checked by `build.rs`.
pub(crate) fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| serde_json::from_str(ROUTES_JSON).expect("routes built by build.rs"))
}

static SITES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/sites.json"));

/// The `[[site]]` tables of `frontdesk.toml`, checked by `build.rs` (the
/// implicit same-origin-only site when there are none).
pub(crate) fn sites() -> &'static [Site] {
    static SITES: OnceLock<Vec<Site>> = OnceLock::new();
    SITES.get_or_init(|| serde_json::from_str(SITES_JSON).expect("sites built by build.rs"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_shared::retrieval::Index;

    #[test]
    fn every_bundled_article_parses_and_is_indexed() {
        let index: Index = postcard::from_bytes(INDEX_BYTES).unwrap();
        assert!(!SOURCES.is_empty());
        assert_eq!(bundled_articles().len(), SOURCES.len());
        assert_eq!(index.len(), SOURCES.len());
        assert!(bundled_source("reset-password").is_some());
    }

    #[test]
    fn the_policy_is_compiled_in() {
        // frontdesk.toml hands some topics to a person whatever the articles say.
        assert!(!policy().always_human.is_empty());
    }

    #[test]
    fn routes_are_compiled_in() {
        // frontdesk.toml routes billing disputes.
        assert!(routes().iter().any(|r| r.team == "billing"));
    }

    #[test]
    fn sites_are_compiled_in() {
        // frontdesk.toml serves the demo (the default), an example shop, an
        // example travel site with every per-site setting, and a store
        // with actions on its own API.
        let keys: Vec<&str> = sites().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["demo", "shop", "travel", "store"]);
        assert_eq!(sites()[2].retention_days, Some(30));
        assert!(sites()[0].default);
        let actions: Vec<&str> = sites()[3].action.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(actions, ["order_status", "cancel_order", "resend_invoice"]);
    }
}
