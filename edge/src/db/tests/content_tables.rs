//! Help content versions and passage vectors.

use super::*;

const RESET: &str = "---\ntitle: Reset\nurl: /help/reset\n---\nHow to reset.\n";

fn article(slug: &str, source: &str) -> frontdesk_shared::retrieval::kb::Article {
    frontdesk_shared::retrieval::kb::parse_article(slug, source).unwrap()
}

#[test]
fn a_content_version_lands_whole_and_only_for_the_last_writer() {
    use crate::db::content::{self, Staged, Write};
    let db = Sqlite::migrated();
    block_on(async {
        assert_eq!(content::version(&db).await.unwrap(), 0);
        assert!(content::live_segments(&db).await.unwrap().is_none());
        let reset = article("reset", RESET);
        let src = RESET;
        let writes = [
            Write {
                slug: "reset",
                source: Some((src, &reset)),
                updated: T0,
                segment: 1,
            },
            Write {
                slug: "old-faq",
                source: None,
                updated: T0,
                segment: 0,
            },
        ];
        let staged = [Staged {
            segment: 1,
            bytes: 1234,
        }];
        let landed = content::commit(&db, "w1", 0, &staged, &[], &writes, &[], T0)
            .await
            .unwrap();
        assert_eq!(landed, Some(1));
        let (version, segments) = content::live_segments(&db).await.unwrap().unwrap();
        assert_eq!(version, 1);
        assert_eq!(
            (
                segments[0].segment,
                segments[0].writer.as_str(),
                segments[0].bytes
            ),
            (1, "w1", 1234)
        );
        let catalog = content::catalog(&db).await.unwrap();
        assert_eq!(catalog.version, 1);
        let slugs: Vec<(&str, i64)> = catalog
            .entries
            .iter()
            .map(|e| (e.slug.as_str(), e.deleted))
            .collect();
        assert_eq!(slugs, [("old-faq", 1), ("reset", 0)]);
        assert_eq!(
            content::override_source(&db, "reset").await.unwrap(),
            Some(Some(src.to_owned()))
        );
        assert_eq!(
            content::override_source(&db, "old-faq").await.unwrap(),
            Some(None)
        );
        assert_eq!(content::override_source(&db, "nope").await.unwrap(), None);
        let mut segments = content::article_segments(&db).await.unwrap();
        segments.sort_unstable();
        assert_eq!(segments, [0, 1]);
        let rows = content::segment_articles(&db, 1).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].slug, "reset");

        // Two updates read version 1; the first to land wins, the other
        // changes nothing at all.
        let won = content::commit(&db, "w2", 1, &[], &[1], &[], &["reset"], T0 + 1)
            .await
            .unwrap();
        assert_eq!(won, Some(2));
        let lost = content::commit(&db, "w3", 1, &staged, &[], &writes, &[], T0 + 2)
            .await
            .unwrap();
        assert_eq!(lost, None);
        let catalog = content::catalog(&db).await.unwrap();
        assert_eq!(catalog.version, 2);
        assert!(catalog.segments.is_empty(), "w2 emptied segment 1");
        assert_eq!(
            catalog.entries.len(),
            1,
            "w2 removed reset; w3 wrote nothing"
        );
    });
}

#[test]
fn passage_vectors_are_read_in_chunks_by_model() {
    use crate::db::vectors;
    let db = Sqlite::migrated();
    block_on(async {
        let rows: Vec<(String, String)> = (0..200)
            .map(|i| (format!("h{i:03}"), format!("v{i}")))
            .collect();
        vectors::put(&db, "m1", &rows).await.unwrap();
        vectors::put(&db, "m2", &rows[..1]).await.unwrap();
        let mut wanted: Vec<&str> = rows.iter().map(|(h, _)| h.as_str()).collect();
        wanted.push("h000"); // asked twice, read once
        wanted.push("missing");
        let got = vectors::get(&db, "m1", &wanted).await.unwrap();
        assert_eq!(got.len(), 200);
        assert!(got.iter().any(|r| r.hash == "h199" && r.vector == "v199"));
        assert_eq!(vectors::get(&db, "m2", &wanted).await.unwrap().len(), 1);
        // Replaced, not doubled.
        vectors::put(&db, "m1", &[("h000".into(), "new".into())])
            .await
            .unwrap();
        let again = vectors::get(&db, "m1", &["h000"]).await.unwrap();
        assert_eq!(
            again,
            [vectors::Row {
                hash: "h000".into(),
                vector: "new".into()
            }]
        );
    });
}
