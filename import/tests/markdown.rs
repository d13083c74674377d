//! The Markdown importers on the committed sample folders.

mod common;

use common::*;
use frontdesk_import::sources::markdown_dir;
use frontdesk_shared::import::markdown::{Dialect, Options};
use frontdesk_shared::import::SkipReason;

fn opts(dialect: Dialect, base: Option<&str>) -> Options {
    Options {
        dialect,
        default_lang: "en".into(),
        base_url: base.map(str::to_owned),
    }
}

#[test]
fn obsidian_vault() {
    let o = markdown_dir(&samples().join("obsidian"), &opts(Dialect::Auto, None)).unwrap();
    check_outputs(&o);
    assert_eq!(o.articles.len(), 6, "{:?}", o.skipped);
    assert_eq!(langs(&o), [("de".into(), 1), ("en".into(), 5)]);
    assert_eq!(skipped(&o, "Article template"), &SkipReason::Draft);
    assert_eq!(skipped(&o, "overdue reminders"), &SkipReason::Draft);

    // Title from the first H1; the H1 is not repeated in the body.
    let first = article(&o, "Create your first invoice");
    let src = &first.source;
    assert_eq!(
        first.article.url,
        "/getting-started/create-your-first-invoice"
    );
    assert!(!src.contains("# Create your first invoice"), "{src}");
    // Callouts keep their title and text, without the quote markers.
    assert!(
        src.contains("**Save it as a template**\nIf you bill the same client"),
        "{src}"
    );
    assert!(
        src.contains("**Invoice numbers cannot be reused**\nOnce an invoice is sent"),
        "{src}"
    );
    // Wikilinks: to the page's article, with the label; unknown pages as text.
    assert!(
        src.contains("See [adding clients](/getting-started/clients-and-contacts) for"),
        "{src}"
    );
    assert!(
        src.contains("[credit note](/billing/credit-notes)"),
        "{src}"
    );
    assert!(
        src.contains(
            "Related: [Get paid online](/billing/get-paid-online), Missing Page That Was Renamed"
        ),
        "{src}"
    );
    // Embeds, comments and block ids are gone; tags and aliases kept.
    for gone in [
        "![[",
        "invoice-editor.png",
        "%%",
        "TODO(marta)",
        "^custom-sender",
        "[[",
        "#onboarding",
    ] {
        assert!(!src.contains(gone), "{gone}: {src}");
    }
    assert_eq!(first.article.tags, ["invoices", "onboarding"]);
    assert_eq!(
        first.article.questions,
        ["new invoice", "How do I bill a client?"]
    );

    // Title from front matter; from the file name when there is none.
    assert_eq!(
        article(&o, "Tax rates and VAT").article.tags,
        ["tax", "vat", "invoices"]
    );
    let clients = article(&o, "Clients and contacts");
    assert_eq!(clients.article.tags, ["clients", "onboarding", "import"]);
    assert!(
        clients
            .source
            .contains("(see [Tax rates](/billing/tax-rates))"),
        "{}",
        clients.source
    );
    assert!(
        clients
            .source
            .contains("**Note**\nClients with open invoices"),
        "{}",
        clients.source
    );
    let de = article(&o, "Rechnung stornieren");
    assert_eq!(de.article.lang, "de");
    assert!(
        de.source.contains("**Bereits bezahlt?**\nHat der Kunde"),
        "{}",
        de.source
    );
    assert!(
        de.source.contains("[Credit notes](/billing/credit-notes)"),
        "{}",
        de.source
    );
}

#[test]
fn docusaurus_docs() {
    let base = "https://docs.tidewave.dev";
    let o = markdown_dir(
        &samples().join("docusaurus"),
        &opts(Dialect::Docusaurus, Some(base)),
    )
    .unwrap();
    check_outputs(&o);
    assert_eq!(o.articles.len(), 5, "{:?}", o.skipped);
    assert_eq!(langs(&o), [("en".into(), 4), ("fr".into(), 1)]);
    assert_eq!(skipped(&o, "new-sdk"), &SkipReason::Draft);

    let intro = article(&o, "Welcome to Tidewave");
    assert_eq!(intro.article.url, "https://docs.tidewave.dev/");
    // Relative links, with and without the extension, point to the articles.
    for link in [
        "[Authenticate your requests](https://docs.tidewave.dev/docs/api/authentication)",
        "[Rate limits](https://docs.tidewave.dev/docs/api/rate-limits)",
        "[Verify webhook signatures](https://docs.tidewave.dev/docs/webhooks/verify-signatures)",
    ] {
        assert!(intro.source.contains(link), "{link}: {}", intro.source);
    }
    assert!(
        intro
            .source
            .contains("**Status page**\nOutages and carrier incidents"),
        "{}",
        intro.source
    );

    let auth = article(&o, "Authenticate your requests");
    let src = &auth.source;
    for gone in [
        "import Tabs",
        "import CodeBlock",
        "export const",
        "KeyBadge",
        "<Tabs",
        "</TabItem>",
        "{/*",
        ":::",
        "|----",
    ] {
        assert!(!src.contains(gone), "{gone}: {src}");
    }
    assert!(src.contains("**cURL**\n\n```bash"), "{src}");
    assert!(src.contains("**Node.js**"), "{src}");
    assert!(
        src.contains("**Never put a live key in a browser or mobile app**\nAnyone can read keys"),
        "{src}"
    );
    assert!(src.contains("| `tw_test_` | Test key |"), "{src}");
    assert_eq!(auth.article.tags, ["api", "security", "api-keys"]);

    let fr = article(&o, "Authentifier vos requêtes");
    assert_eq!(fr.article.lang, "fr");
    assert_eq!(
        fr.article.url,
        "https://docs.tidewave.dev/fr/api/authentication"
    );
    // A relative `slug:` replaces the file's name in its folder.
    let sig = article(&o, "Verify webhook signatures");
    assert_eq!(
        sig.article.url,
        "https://docs.tidewave.dev/docs/webhooks/verify-signatures"
    );
    assert!(
        sig.source.contains("Why not just check the IP address?"),
        "{}",
        sig.source
    );
    assert!(!sig.source.contains("<details>"), "{}", sig.source);
}

#[test]
fn mkdocs_docs() {
    let o = markdown_dir(&samples().join("mkdocs/docs"), &opts(Dialect::Mkdocs, None)).unwrap();
    check_outputs(&o);
    assert_eq!(o.articles.len(), 6, "{:?}", o.skipped);
    assert_eq!(langs(&o), [("en".into(), 5), ("es".into(), 1)]);
    assert_eq!(article(&o, "Larkspur Help").article.url, "/");
    assert_eq!(
        article(&o, "Add a satellite node").article.url,
        "/setup/add-a-node"
    );

    let setup = article(&o, "First setup with the Larkspur app");
    let src = &setup.source;
    assert!(
        src.contains("**Keep your old network name**\nIf you give the Larkspur network"),
        "{src}"
    );
    assert!(
        src.contains("**The light stays yellow**\nA yellow light means"),
        "{src}"
    );
    assert!(
        src.contains("If your provider needs a login (PPPoE"),
        "{src}"
    );
    assert!(
        src.contains("**iOS**\n\nAllow **Local Network** access"),
        "{src}"
    );
    assert!(
        !src.contains("!!!") && !src.contains("???") && !src.contains("==="),
        "{src}"
    );
    assert!(
        !src.contains("\n    "),
        "admonition text is dedented: {src}"
    );

    // `!!! warning ""` has no title line but keeps its text.
    let node = article(&o, "Add a satellite node");
    assert!(
        node.source
            .contains("\n\nA system can have at most 6 satellites."),
        "{}",
        node.source
    );
    assert!(!node.source.contains("**Warning**"), "{}", node.source);

    let slow = article(&o, "Slow Wi-Fi in some rooms");
    assert!(
        slow.source
            .contains("[Add a satellite node](/setup/add-a-node)"),
        "{}",
        slow.source
    );
    let es = article(&o, "Primera configuración con la app Larkspur");
    assert_eq!(es.article.lang, "es");
    assert_eq!(es.slug, "es-setup-first-setup");
}
