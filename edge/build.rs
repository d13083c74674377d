//! Compiles the help content in `kb/` into the worker: every article is
//! parsed and validated here (a bad file fails the build with its name and
//! line), the retrieval index is built once and embedded (postcard, a compact
//! binary serde format), and the sources are embedded too: the worker renders
//! `/help/<slug>` from them and rebuilds the index from them plus uploaded
//! articles when content is updated at run time (`src/live.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use frontdesk_shared::config::SiteConfig;
use frontdesk_shared::engine::Index;
use frontdesk_shared::kb::{parse_article, Article};

fn main() {
    let kb_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb");
    println!("cargo:rerun-if-changed={}", kb_dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&kb_dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", kb_dir.display()))
        .map(|e| e.expect("kb entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} holds no .md articles",
        kb_dir.display()
    );

    let mut articles: Vec<Article> = Vec::new();
    let mut sources = String::from("pub static SOURCES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let slug = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 file name");
        let source = std::fs::read_to_string(path).expect("utf-8 article");
        let article =
            parse_article(slug, &source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        writeln!(sources, "    ({slug:?}, {source:?}),").unwrap();
        articles.push(article);
    }
    sources.push_str("];\n");

    let config_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontdesk.toml");
    println!("cargo:rerun-if-changed={}", config_path.display());
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    let config = site_config(&config_path, &titles);

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let index = Index::build_with(&articles, config.policy());
    let index = postcard::to_allocvec(&index).expect("index encoding");
    std::fs::write(out.join("kb_index.bin"), index).expect("write index");
    std::fs::write(out.join("kb_sources.rs"), sources).expect("write sources");
    let policy = serde_json::to_string(&config.policy()).expect("policy encoding");
    std::fs::write(out.join("policy.json"), policy).expect("write policy");
    let routes = serde_json::to_string(&config.route).expect("routes encoding");
    std::fs::write(out.join("routes.json"), routes).expect("write routes");
    let sites = frontdesk_shared::sites::effective(&config.site);
    let sites = serde_json::to_string(&sites).expect("sites encoding");
    std::fs::write(out.join("sites.json"), sites).expect("write sites");
}

/// Reads and checks `frontdesk.toml` (route topics against the article
/// `titles`); a missing file is an empty configuration.
fn site_config(path: &Path, titles: &[&str]) -> SiteConfig {
    let Ok(text) = std::fs::read_to_string(path) else {
        return SiteConfig::default();
    };
    let config: SiteConfig =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(e) = config.check(Some(titles)) {
        panic!("{}: {e}", path.display());
    }
    config
}
