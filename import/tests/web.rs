//! The sitemap and URL importers end to end: the sample help site served on
//! loopback, fetched, its main content kept.

mod common;

use std::time::Duration;

use common::*;
use frontdesk_import::fetch::{Client, FetchOptions};
use frontdesk_import::sources;
use frontdesk_shared::import::SkipReason;

/// A client for the sample site on loopback: `--allow-private-addresses`.
fn client() -> Client {
    Client::new(FetchOptions {
        concurrency: 3,
        timeout: Duration::from_secs(10),
        allow_private: true,
        ..FetchOptions::default()
    })
}

#[test]
fn sitemap_index_of_the_sample_site() {
    let base = serve(samples().join("site"));
    let o = sources::sitemap(&client(), &format!("{base}/sitemap.xml"), 100, "en");
    check_outputs(&o);
    // skip-a-week is listed in both sitemaps and imported once.
    assert_eq!(o.articles.len(), 6, "{:?}", o.skipped);
    assert_eq!(langs(&o), [("de".into(), 2), ("en".into(), 4)]);
    assert_eq!(skipped(&o, "coming-soon"), &SkipReason::Empty);
    assert_eq!(
        skipped(&o, "old-spring-promo"),
        &SkipReason::Fetch("HTTP 404".into())
    );
    assert_eq!(skipped(&o, "allergen-chart.pdf"), &SkipReason::NotHtml);
    assert_eq!(o.skipped.len(), 3, "{:?}", o.skipped);

    let boilerplate = [
        "cookie",
        "Cookie",
        "Accept all",
        "Alle akzeptieren",
        "helpful",
        "hilfreich",
        "Related articles",
        "About Brightmeal",
        "Kastanienallee",
        "Skip to content",
        "gtag",
        "dataLayer",
        "This week's menu",
        "Search",
        "Updated 3 weeks ago",
        "Subscribe",
        "Comments",
        "In this section",
        "Help Centre",
    ];
    for a in &o.articles {
        for b in boilerplate {
            assert!(!a.source.contains(b), "{b} in {}:\n{}", a.slug, a.source);
        }
    }

    let d = article(&o, "Delivery days and time windows");
    assert_eq!(d.article.url, "/articles/delivery-windows.html");
    assert_eq!(d.slug, "articles-delivery-windows");
    let want = "Boxes are delivered **Tuesday to Saturday**.";
    assert!(d.source.contains(want), "{}", d.source);
    assert!(d.source.contains("## Time windows\n\nChoose a window in *Account → Delivery settings*:\n\n- Morning: 8:00–12:00\n- Afternoon"), "{}", d.source);
    assert!(
        d.source
            .contains("- Evening: 17:00–21:00 Berlin, Hamburg & Munich only"),
        "{}",
        d.source
    );
    assert!(d.source.contains("## Not at home?"), "{}", d.source);
    assert!(
        d.source.contains(&format!(
            "[delivery instructions]({base}/articles/delivery-instructions.html)"
        )),
        "{}",
        d.source
    );

    let skip = article(&o, "Skip a week or pause deliveries");
    assert!(
        skip.source.contains(
            "1. Open [Upcoming deliveries](https://brightmeal.example/account/deliveries)"
        ),
        "{}",
        skip.source
    );
    assert!(
        skip.source.contains(&format!(
            "[Delivery days and time windows]({base}/articles/delivery-windows.html)"
        )),
        "{}",
        skip.source
    );

    // <article> without <main>; a table kept row by row.
    let allergens = article(&o, "Allergens and ingredients");
    assert!(
        allergens
            .source
            .contains("Preference | What it excludes\nGluten-free | wheat, rye"),
        "{}",
        allergens.source
    );
    // Neither <main> nor <article>: the densest block, code kept.
    let cancel = article(&o, "Cancel your subscription");
    assert!(
        cancel
            .source
            .contains("You can cancel any time, with no fee."),
        "{}",
        cancel.source
    );
    assert!(
        cancel
            .source
            .contains("```\nPlan settings\n  └─ Cancel subscription\n```"),
        "{}",
        cancel.source
    );
    assert!(
        !cancel.source.contains("recipes in your inbox"),
        "{}",
        cancel.source
    );

    let de = article(&o, "Abo kündigen");
    assert_eq!(de.article.lang, "de");
    assert_eq!(de.article.url, "/de/artikel/kuendigen.html");
}

#[test]
fn url_list_and_limit() {
    let base = serve(samples().join("site"));
    let list = std::fs::read_to_string(samples().join("site/urls.txt"))
        .unwrap()
        .replace(SAMPLE_HOST, &base);
    let urls = sources::url_list(&list, 100);
    assert_eq!(urls.len(), 3);
    let o = sources::pages(&client(), &urls, "en");
    check_outputs(&o);
    assert_eq!(o.articles.len(), 2);
    assert_eq!(skipped(&o, ".pdf"), &SkipReason::NotHtml);

    let (limited, _) = sources::sitemap_urls(&client(), &format!("{base}/sitemap.xml"), 2);
    assert_eq!(limited.len(), 2);
    let unreachable = sources::sitemap(&client(), &format!("{base}/nope.xml"), 10, "en");
    assert!(unreachable.articles.is_empty());
    assert_eq!(
        skipped(&unreachable, "nope.xml"),
        &SkipReason::Fetch("HTTP 404".into())
    );
}
