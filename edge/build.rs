//! Compiles the help content in `kb/` into the worker: every article is
//! parsed and validated here (a bad file fails the build with its name and
//! line), the retrieval index is built once and embedded (postcard, a compact
//! binary serde format), and the sources are embedded too: the worker renders
//! `/help/<slug>` from them and rebuilds the index from them plus uploaded
//! articles when content is updated at run time (`src/live.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use frontdesk_shared::config::SiteConfig;
use frontdesk_shared::retrieval::kb::{parse_article, Article};
use frontdesk_shared::retrieval::Index;

/// This crate's directory, as cargo gives it to the running script (not
/// `env!`, fixed when the script was compiled: the build directory is
/// shared by every clone, `scripts/tools.sh`, and a script compiled in one
/// clone must read the clone it runs for).
fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"))
}

fn main() {
    // Run again for another clone (scripts/tools.sh exports its root): the
    // paths below are that clone's.
    println!("cargo:rerun-if-env-changed=FRONTDESK_ROOT");
    let kb_dir = manifest_dir().join("../kb");
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
    let mut sources = String::from("pub(crate) static SOURCES: &[(&str, &str)] = &[\n");
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

    let config_path = manifest_dir().join("../frontdesk.toml");
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
    let sites = frontdesk_shared::config::sites::effective(&config.site);
    write_widget_settings(&sites);
    let sites = serde_json::to_string(&sites).expect("sites encoding");
    std::fs::write(out.join("sites.json"), sites).expect("write sites");
}

/// The sites' public settings for the widget, for `scripts/build.sh`:
/// `dist/sites/<key>.json` (served as `/widget/site/<key>.json`, fetched by
/// the app on open and by the loader for a nudge's text) and
/// `dist/sites-loader.json` (inlined into the loader). Outside `OUT_DIR`
/// because the widget's build, not this crate, ships them; written only
/// from a checked configuration, and replaced whole (temp file, rename).
fn write_widget_settings(sites: &[frontdesk_shared::config::sites::Site]) {
    use frontdesk_shared::config::per_site::{loader_json, public_json};
    let dist = manifest_dir().join("../dist");
    let dir = dist.join("sites");
    let loader = dist.join("sites-loader.json");
    // (Not a rerun-if-changed path: a file the script writes itself would
    // rerun it on every build. scripts/build.sh touches frontdesk.toml when
    // these are missing.)
    let tmp = dist.join(format!("sites.tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("create dist/sites");
    for site in sites {
        let json = public_json(site).to_string();
        std::fs::write(tmp.join(format!("{}.json", site.key)), json).expect("write site settings");
    }
    let _ = std::fs::remove_dir_all(&dir);
    // Another build may have won the race with the same content.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let tmp = dist.join(format!("sites-loader.tmp{}", std::process::id()));
    std::fs::write(&tmp, loader_json(sites).to_string()).expect("write loader settings");
    std::fs::rename(&tmp, &loader).expect("replace dist/sites-loader.json");
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
