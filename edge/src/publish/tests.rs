//! Content updates natively (`ports::world`): what an upload or a deletion
//! stores in SQLite and in the objects, what the admin API then lists, and
//! the index the worker loads back from them.

use std::collections::BTreeMap;

use frontdesk_api::error::ErrorCode;
use frontdesk_shared::retrieval::content::{
    ContentUpload, Origin, UploadMode, UploadedArticle, MAX_ARTICLES, MAX_ARTICLE_BYTES,
    MAX_UPLOAD_ARTICLES,
};

use super::{delete, index, list, put};
use crate::content;
use crate::db::sqlite::block_on;
use crate::ports::world::{conversation, World, T0};
use crate::AppError;

/// An article's source (kb Markdown with its front matter).
fn source(title: &str, slug: &str, body: &str) -> String {
    format!("---\ntitle: {title}\nurl: /help/{slug}\nlang: en\n---\n{body}\n")
}

fn pen() -> String {
    source(
        "Pair the Lumen smart pen",
        "pair-smart-pen",
        "Hold the smart pen's button for four seconds until its light blinks blue, \
         then choose the pen under Settings → Devices → Bluetooth.",
    )
}

fn upload(articles: &[(&str, &str)], mode: UploadMode) -> ContentUpload {
    ContentUpload {
        articles: articles
            .iter()
            .map(|(slug, source)| UploadedArticle {
                slug: (*slug).to_owned(),
                source: (*source).to_owned(),
            })
            .collect(),
        mode,
    }
}

/// Everything an update may change: the stored version, articles and
/// segments, and every object with when it was written.
#[derive(Debug, PartialEq)]
struct Snapshot {
    version: Vec<(i64, String)>,
    articles: Vec<(String, Option<String>, i64, i64)>,
    segments: Vec<(i64, String, i64)>,
    objects: BTreeMap<String, (Vec<u8>, i64)>,
}

fn snapshot(w: &World) -> Snapshot {
    w.db.with(|c| {
        let version = c
            .prepare("SELECT version, writer FROM content_version")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let articles = c
            .prepare("SELECT slug, source, updated, segment FROM content_articles ORDER BY slug")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let segments = c
            .prepare("SELECT segment, writer, bytes FROM content_segments ORDER BY segment")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        Snapshot {
            version,
            articles,
            segments,
            objects: w.blobs.objects.borrow().clone(),
        }
    })
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> (ErrorCode, Option<String>, String) {
    match result {
        Err(AppError::Client(e)) => (e.code, e.field, e.message),
        other => panic!("expected a client error, got {other:?}"),
    }
}

/// The slug the content loaded back after the last update ranks first.
fn top(w: &World, question: &str) -> String {
    let live = w.live.borrow();
    let index = &live.as_ref().expect("the update loaded its index").index;
    let hits = index.search(question, None);
    index.slug(hits.first().expect("a hit").doc).to_owned()
}

/// Asserts that the objects stored are the live segments' and no others
/// (an update deletes those it replaced).
fn only_live_objects(w: &World) {
    let mut live: Vec<String> = snapshot(w)
        .segments
        .iter()
        .flat_map(|(s, writer, _)| {
            let key = format!("index/{writer}/{s}");
            [format!("{key}.text"), key]
        })
        .collect();
    live.sort();
    assert_eq!(w.blobs.keys(), live);
}

/// The live articles' slugs and origins, as listed.
async fn listed(w: &World) -> Vec<(String, Origin)> {
    list(w)
        .await
        .unwrap()
        .articles
        .into_iter()
        .map(|a| (a.slug, a.source))
        .collect()
}

#[test]
fn a_new_article_is_stored_listed_and_indexed() {
    let w = World::new();
    let bundled = content::bundled_slugs().count();
    block_on(async {
        let before = list(&w).await.unwrap();
        assert_eq!(before.version, 0);
        assert_eq!(before.articles.len(), bundled);
        assert!(before.articles.iter().all(|a| a.source == Origin::Bundled));

        let pen = pen();
        let done = put(&w, &upload(&[("pair-smart-pen", &pen)], UploadMode::Merge))
            .await
            .unwrap();
        assert_eq!(
            (done.version, done.articles, done.uploaded),
            (1, bundled + 1, 1)
        );
        assert_eq!((done.segments, done.rebuilt), (1, 1));

        // Stored: the source as sent, in segment 0 with the bundled ones.
        let writer = conversation(1);
        let stored = snapshot(&w);
        assert_eq!(stored.version, [(1, writer.clone())]);
        assert_eq!(
            stored.articles,
            [("pair-smart-pen".to_owned(), Some(pen), T0, 0)]
        );
        let bytes = i64::try_from(done.index_bytes).unwrap();
        assert_eq!(stored.segments, [(0, writer.clone(), bytes)]);
        // Two objects under the update's writer id: the segment and its texts.
        let key = format!("index/{writer}/0");
        assert_eq!(w.blobs.keys(), [key.clone(), format!("{key}.text")]);

        // Listed after the bundled articles, as uploaded.
        let now = list(&w).await.unwrap();
        assert_eq!(now.version, 1);
        let last = now.articles.last().unwrap();
        assert_eq!(
            (last.slug.as_str(), last.title.as_str(), last.source),
            (
                "pair-smart-pen",
                "Pair the Lumen smart pen",
                Origin::Uploaded
            )
        );
        assert_eq!(last.updated, Some(T0));
        let stored_index = index(&w).await.unwrap();
        assert_eq!(stored_index.version, 1);
        assert_eq!(stored_index.segments.len(), 1);
        assert_eq!(stored_index.segments[0].key, key);
        assert_eq!(stored_index.segments[0].bytes, done.index_bytes as u64);
        let object_bytes: u64 = stored_index.objects.iter().map(|o| o.bytes).sum();
        assert_eq!(object_bytes, done.index_bytes as u64);

        // The index loaded back from the objects has it, and finds it.
        let loaded = w.live.borrow().as_ref().map(|l| (l.version, l.index.len()));
        assert_eq!(loaded, Some((1, bundled + 1)));
        assert_eq!(
            top(&w, "how do I pair my smart pen over bluetooth"),
            "pair-smart-pen"
        );
    });
}

#[test]
fn an_upload_of_a_bundled_slug_replaces_that_article_and_the_old_objects_go() {
    let w = World::new();
    let bundled = content::bundled_slugs().count();
    block_on(async {
        let pen = pen();
        put(&w, &upload(&[("pair-smart-pen", &pen)], UploadMode::Merge))
            .await
            .unwrap();
        let first = w.blobs.keys();
        let reset = source(
            "Sign in with a magic link",
            "reset-password",
            "Forgot your password? Ask for a magic link by email instead and sign in with it.",
        );
        w.now.set(T0 + 1_000);
        let done = put(
            &w,
            &upload(&[("reset-password", &reset)], UploadMode::Merge),
        )
        .await
        .unwrap();
        assert_eq!(
            (done.version, done.articles, done.uploaded),
            (2, bundled + 1, 2)
        );
        // Segment 0 holds the bundled article: rebuilt, though stored.
        assert_eq!((done.segments, done.rebuilt), (1, 1));
        // In the bundled article's place, not after them.
        let articles = list(&w).await.unwrap().articles;
        let position = content::bundled_slugs()
            .position(|s| s == "reset-password")
            .unwrap();
        let item = &articles[position];
        assert_eq!(
            (item.slug.as_str(), item.title.as_str(), item.source),
            (
                "reset-password",
                "Sign in with a magic link",
                Origin::Uploaded
            )
        );
        assert_eq!(item.updated, Some(T0 + 1_000));
        assert_eq!(articles.len(), bundled + 1);
        // Segment 0 was rebuilt: the first update's objects are gone.
        let writer = conversation(2);
        assert_eq!(
            w.blobs.keys(),
            [
                format!("index/{writer}/0"),
                format!("index/{writer}/0.text")
            ]
        );
        assert!(first.iter().all(|k| !w.blobs.keys().contains(k)));
        // Answered from the upload, not the bundled text; the earlier
        // upload stays.
        assert_eq!(w.live.borrow().as_ref().unwrap().index.len(), bundled + 1);
        assert_eq!(top(&w, "can I get a magic link by email"), "reset-password");
        assert_eq!(top(&w, "pair the smart pen"), "pair-smart-pen");
    });
}

#[test]
fn delete_hides_an_upload_a_bundled_article_or_both_and_an_unknown_slug_is_not_found() {
    let w = World::new();
    let bundled = content::bundled_slugs().count();
    block_on(async {
        let pen = pen();
        let reset = source("Reset", "reset-password", "Use the magic link.");
        put(
            &w,
            &upload(
                &[("pair-smart-pen", &pen), ("reset-password", &reset)],
                UploadMode::Merge,
            ),
        )
        .await
        .unwrap();

        // An upload of its own: its row goes.
        let done = delete(&w, "pair-smart-pen").await.unwrap();
        assert_eq!(
            (done.version, done.articles, done.uploaded),
            (2, bundled, 1)
        );
        assert!(!listed(&w).await.iter().any(|(s, _)| s == "pair-smart-pen"));
        // An upload in a bundled article's place: neither is live any more
        // (a row without source hides the bundled one).
        let done = delete(&w, "reset-password").await.unwrap();
        assert_eq!(
            (done.version, done.articles, done.uploaded),
            (3, bundled - 1, 0)
        );
        // A bundled article.
        let done = delete(&w, "refund-policy").await.unwrap();
        assert_eq!(
            (done.version, done.articles, done.uploaded),
            (4, bundled - 2, 0)
        );
        let slugs: Vec<String> = listed(&w).await.into_iter().map(|(s, _)| s).collect();
        assert_eq!(slugs.len(), bundled - 2);
        for gone in ["pair-smart-pen", "reset-password", "refund-policy"] {
            assert!(!slugs.iter().any(|s| s == gone), "{gone}");
        }
        let rows: Vec<(String, Option<String>)> = snapshot(&w)
            .articles
            .into_iter()
            .map(|(slug, source, _, _)| (slug, source))
            .collect();
        assert_eq!(
            rows,
            [
                ("refund-policy".to_owned(), None),
                ("reset-password".to_owned(), None)
            ]
        );
        assert_eq!(w.live.borrow().as_ref().unwrap().index.len(), bundled - 2);
        only_live_objects(&w);

        // Deleted already, never there, or no slug at all: not found, and
        // nothing changes.
        let before = snapshot(&w);
        for slug in [
            "refund-policy",
            "pair-smart-pen",
            "no-such-article",
            "../etc",
            "",
        ] {
            let (code, _, _) = code(delete(&w, slug).await);
            assert_eq!(code, ErrorCode::ArticleNotFound, "{slug}");
        }
        assert_eq!(snapshot(&w), before);

        // Replace with nothing: the bundled help centre again.
        let done = put(&w, &upload(&[], UploadMode::Replace)).await.unwrap();
        assert_eq!(
            (done.version, done.articles, done.uploaded),
            (5, bundled, 0)
        );
        assert!(snapshot(&w).articles.is_empty());
        let all = listed(&w).await;
        assert_eq!(all.len(), bundled);
        assert!(all.iter().all(|(_, o)| *o == Origin::Bundled));
        only_live_objects(&w);
    });
}

#[test]
fn bad_uploads_are_refused_with_their_code_and_change_nothing() {
    let w = World::new();
    block_on(async {
        let pen = pen();
        put(&w, &upload(&[("pair-smart-pen", &pen)], UploadMode::Merge))
            .await
            .unwrap();
        let before = snapshot(&w);
        let ids = w.ids.get();
        let fine = source("Fine", "fine-article", "Fine text.");
        let broken = "---\ntitle: Broken\nurll: /help/broken\n---\nText.\n";
        let long = format!("{pen}{}", "word ".repeat(MAX_ARTICLE_BYTES / 5 + 1));
        let many: Vec<(String, String)> = (0..=MAX_UPLOAD_ARTICLES)
            .map(|i| (format!("a-{i}"), source("A", "a", "A.")))
            .collect();
        let many: Vec<(&str, &str)> = many
            .iter()
            .map(|(s, src)| (s.as_str(), src.as_str()))
            .collect();
        let cases: Vec<(ContentUpload, ErrorCode, &str, &str)> = vec![
            (
                upload(&[("../etc", &pen)], UploadMode::Merge),
                ErrorCode::InvalidArticle,
                "articles[0]",
                "slug",
            ),
            (
                upload(
                    &[("fine-article", &fine), ("broken-article", broken)],
                    UploadMode::Replace,
                ),
                ErrorCode::InvalidArticle,
                "articles[1]",
                "line 3",
            ),
            (
                upload(
                    &[("fine-article", &fine), ("fine-article", &fine)],
                    UploadMode::Merge,
                ),
                ErrorCode::InvalidArticle,
                "articles[1]",
                "twice",
            ),
            (
                upload(&[("long", &long)], UploadMode::Merge),
                ErrorCode::PayloadTooLarge,
                "articles[0]",
                "bytes",
            ),
            (
                upload(&many, UploadMode::Merge),
                ErrorCode::PayloadTooLarge,
                "articles",
                "at most",
            ),
        ];
        for (bad, want, field, says) in cases {
            let (got, got_field, message) = code(put(&w, &bad).await);
            assert_eq!(
                (got, got_field.as_deref()),
                (want, Some(field)),
                "{message}"
            );
            assert!(message.contains(says), "{message}");
            assert_eq!(snapshot(&w), before, "{message}");
        }
        // No update began: no writer id minted, the loaded content kept.
        assert_eq!(w.ids.get(), ids);
        assert_eq!(w.live.borrow().as_ref().map(|l| l.version), Some(1));
    });
}

#[test]
fn a_help_centre_over_its_most_articles_is_refused_whole() {
    let w = World::new();
    let bundled = content::bundled_slugs().count();
    // As many live articles as there may be, in segments 1 to 5.
    w.db.with(|c| {
        c.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1) \
             INSERT INTO content_articles (slug, source, title, lang, url, updated, segment) \
             SELECT printf('seeded-%05d', i), 'x', 'X', 'en', '/x', 1, 1 + i / 2000 FROM n",
            [i64::try_from(MAX_ARTICLES - bundled).unwrap()],
        )
        .unwrap()
    });
    block_on(async {
        let before = snapshot(&w);
        let pen = pen();
        let (code, field, message) =
            code(put(&w, &upload(&[("pair-smart-pen", &pen)], UploadMode::Merge)).await);
        assert_eq!(
            (code, field.as_deref()),
            (ErrorCode::PayloadTooLarge, Some("articles"))
        );
        assert!(
            message.contains(&format!("{} articles", MAX_ARTICLES + 1)),
            "{message}"
        );
        assert_eq!(snapshot(&w), before);
        assert!(w.blobs.keys().is_empty());
    });
}

#[test]
fn an_update_whose_objects_cannot_be_stored_leaves_nothing_behind() {
    let w = World::new();
    block_on(async {
        // The texts object is written, the segment's is not.
        w.blobs.puts_left.set(1);
        let pen = pen();
        let result = put(&w, &upload(&[("pair-smart-pen", &pen)], UploadMode::Merge)).await;
        assert!(matches!(result, Err(AppError::Internal(_))), "{result:?}");
        assert_eq!(snapshot(&w), snapshot(&World::new()));
        assert!(w.blobs.keys().is_empty());
    });
}

#[test]
fn an_update_that_another_one_overtook_is_refused_and_its_objects_go() {
    let w = World::new();
    block_on(async {
        let pen = pen();
        put(&w, &upload(&[("pair-smart-pen", &pen)], UploadMode::Merge))
            .await
            .unwrap();
        // Another update lands while this one builds its segment.
        *w.meanwhile.borrow_mut() =
            Some("UPDATE content_version SET version = 2, writer = 'other' WHERE id = 1".into());
        let before = w.blobs.keys();
        let fine = source("Fine", "fine-article", "Fine text.");
        let (code, _, _) =
            code(put(&w, &upload(&[("fine-article", &fine)], UploadMode::Merge)).await);
        assert_eq!(code, ErrorCode::ContentConflict);
        // Only the other update's version; none of this one's rows or objects.
        let after = snapshot(&w);
        assert_eq!(after.version, [(2, "other".to_owned())]);
        assert!(after.articles.iter().all(|a| a.0 != "fine-article"));
        assert_eq!(w.blobs.keys(), before);
    });
}
