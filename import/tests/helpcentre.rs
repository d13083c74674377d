//! The Zendesk Guide and Intercom importers on the committed exports.

mod common;

use common::*;
use frontdesk_import::sources::export_files;
use frontdesk_shared::import::helpcentre::Kind;
use frontdesk_shared::import::SkipReason;

#[test]
fn zendesk_export_pages() {
    let dir = samples().join("zendesk");
    let files = [
        dir.join("articles-page-1.json"),
        dir.join("articles-page-2.json"),
    ];
    let o = export_files(Kind::Zendesk, &files, "en").unwrap();
    check_outputs(&o);
    assert_eq!(o.articles.len(), 5, "{:?}", o.skipped);
    assert_eq!(
        langs(&o),
        [("de".into(), 2), ("en".into(), 2), ("fr".into(), 1)]
    );
    assert_eq!(skipped(&o, "#360012345673"), &SkipReason::Draft);
    assert_eq!(skipped(&o, "#360012345674"), &SkipReason::Empty);

    let track = article(&o, "Track your parcel");
    assert_eq!(track.slug, "track-your-parcel");
    assert_eq!(
        track.article.url,
        "https://parcelo.zendesk.com/hc/en-us/articles/360012345671-Track-your-parcel"
    );
    assert_eq!(track.article.tags, ["tracking", "delivery status"]);
    let src = &track.source;
    assert!(src.contains("## Where is my parcel?"), "{src}");
    assert!(
        src.contains("- **Out for delivery** – it's on the van"),
        "{src}"
    );
    assert!(
        src.contains("If the status has said *Registered* for more than 3 working days"),
        "{src}"
    );
    assert!(
        src.contains("[open a request](https://parcelo.zendesk.com/hc/en-us/requests/new)"),
        "{src}"
    );
    assert!(
        !src.contains("<") && !src.contains("tracking-page.png"),
        "{src}"
    );

    let zoll = article(&o, "Zoll und Einfuhrabgaben");
    assert_eq!(zoll.slug, "de-zoll-und-einfuhrabgaben");
    assert!(
        zoll.source.contains("## Wie bezahle ich?"),
        "{}",
        zoll.source
    );
    assert!(
        zoll.source.contains("Auslagenpauschale von 6 €"),
        "{}",
        zoll.source
    );
    assert!(
        zoll.source
            .contains("bis 150 € | nur Einfuhrumsatzsteuer (19 %)"),
        "{}",
        zoll.source
    );
    assert_eq!(article(&o, "Suivre votre colis").article.lang, "fr");
}

#[test]
fn intercom_export_with_translations() {
    let o = export_files(
        Kind::Intercom,
        &[samples().join("intercom/articles.json")],
        "en",
    )
    .unwrap();
    check_outputs(&o);
    assert_eq!(o.articles.len(), 6, "{:?}", o.skipped);
    assert_eq!(
        langs(&o),
        [("en".into(), 3), ("es".into(), 1), ("fr".into(), 2)]
    );
    assert_eq!(skipped(&o, "#6871119/es"), &SkipReason::Draft);
    assert_eq!(skipped(&o, "#6871121/en"), &SkipReason::Draft);
    assert_eq!(o.skipped.len(), 2, "{:?}", o.skipped);

    let watch = article(&o, "Connect your smartwatch");
    assert!(watch.source.starts_with(
        "---\ntitle: Connect your smartwatch\nurl: https://help.fitloop.example/en/articles/6871119-connect-your-smartwatch\nlang: en\n---\nSync workouts and heart rate from Apple Watch, Garmin or Wear OS.\n\nFitloop reads workouts"
    ), "{}", watch.source);
    assert!(
        watch
            .source
            .contains("**Heart rate zones look wrong?** Fitloop uses the maximum heart rate"),
        "{}",
        watch.source
    );
    let fr = article(&o, "Connecter votre montre connectée");
    assert_eq!(fr.article.lang, "fr");
    assert_eq!(fr.slug, "fr-connecter-votre-montre-connectee");
    let cancel = article(&o, "Cancel or pause your membership");
    assert!(
        cancel
            .source
            .contains("- **App Store:** iPhone **Settings → your name → Subscriptions"),
        "{}",
        cancel.source
    );
    assert!(
        cancel
            .source
            .contains("[fitloop.example/account](https://fitloop.example/account)"),
        "{}",
        cancel.source
    );
}
