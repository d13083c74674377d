//! `/api/v1/admin/content`: the help content on a running deployment.
//!
//! - `GET` lists the live articles (bundled or uploaded) and the version.
//! - `PUT` uploads articles (`frontdesk_shared::retrieval::content::ContentUpload`):
//!   everything is checked first (a bad article is a 400 naming it and the
//!   line, a body over 8 MiB or too many articles a 413, and nothing
//!   changes), then the index is rebuilt once and stored with a new version.
//! - `DELETE /<slug>` removes one live article (a bundled one is hidden)
//!   and rebuilds.
//! - `GET /index` tells how the index is stored: its live segments, and
//!   every stored object (segments, passage vector matrices).

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_shared::retrieval::content::{
    check_upload, valid_slug, ContentIndex, ContentItem, ContentList, ContentUpdated,
    ContentUpload, IndexObject, IndexSegment, Origin, Override, UploadMode, MAX_ARTICLES,
    MAX_UPLOAD_BYTES,
};
use frontdesk_shared::retrieval::{Segment, SEGMENT_DOCS};
use worker::{Env, Request, Response};

use crate::db::content::{self as stored, Entry, Staged, StoredSegment, Write};
use crate::db::D1;
use crate::http::{json, read_json_limited};
use crate::live;
use crate::platform::now_ms;
use crate::{blobs, content, AppError};

/// `GET /api/v1/admin/content`: from the stored rows' titles, languages and
/// URLs (no article is read or parsed).
pub(crate) async fn list(env: &Env) -> Result<Response, AppError> {
    let db = D1::of(env)?;
    let catalog = stored::catalog(&db).await?;
    let mut rows: BTreeMap<&str, &Entry> = catalog
        .entries
        .iter()
        .map(|e| (e.slug.as_str(), e))
        .collect();
    let uploaded = |e: &Entry| ContentItem {
        slug: e.slug.clone(),
        title: e.title.clone(),
        lang: e.lang.clone(),
        url: e.url.clone(),
        source: Origin::Uploaded,
        updated: Some(e.updated),
    };
    // As `content::live` orders them: the bundled articles (an uploaded one
    // in place of its slug's), then the other uploaded ones by slug.
    let mut articles = Vec::new();
    for a in content::bundled_articles() {
        match rows.remove(a.slug.as_str()) {
            None => articles.push(ContentItem {
                slug: a.slug,
                title: a.title,
                lang: a.lang,
                url: a.url,
                source: Origin::Bundled,
                updated: None,
            }),
            Some(e) if e.deleted == 0 => articles.push(uploaded(e)),
            Some(_) => {}
        }
    }
    articles.extend(rows.into_values().filter(|e| e.deleted == 0).map(uploaded));
    json(
        &ContentList {
            version: catalog.version,
            articles,
        },
        200,
    )
}

/// `GET /api/v1/admin/content/index`.
pub(crate) async fn index(env: &Env) -> Result<Response, AppError> {
    let db = D1::of(env)?;
    let catalog = stored::catalog(&db).await?;
    let bucket = blobs::bucket(env)?;
    let mut objects = blobs::list(&bucket, live::INDEX_PREFIX).await?;
    objects.extend(blobs::list(&bucket, crate::embed::MATRIX_PREFIX).await?);
    json(
        &ContentIndex {
            version: catalog.version,
            segments: catalog
                .segments
                .iter()
                .map(|s| IndexSegment {
                    segment: s.segment,
                    writer: s.writer.clone(),
                    key: s.key(),
                    bytes: s.bytes.max(0) as u64,
                })
                .collect(),
            objects: objects
                .into_iter()
                .map(|o| IndexObject {
                    key: o.key,
                    bytes: o.bytes,
                })
                .collect(),
        },
        200,
    )
}

/// A slug's override after an update.
struct Plan {
    updated: i64,
    /// Its segment (`None`: a new slug, not yet assigned).
    segment: Option<i64>,
    /// It deletes the bundled article of its slug.
    deleted: bool,
    /// What this update writes for it (`None`: the stored row stays).
    fresh: Option<Override>,
}

impl Plan {
    fn stored(e: &Entry) -> Plan {
        Plan {
            updated: e.updated,
            segment: Some(e.segment),
            deleted: e.deleted != 0,
            fresh: None,
        }
    }
}

/// `PUT /api/v1/admin/content`.
pub(crate) async fn put(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let upload: ContentUpload = read_json_limited(&mut req, MAX_UPLOAD_BYTES).await?;
    let uploaded = check_upload(&upload)?;
    let db = D1::of(env)?;
    let catalog = stored::catalog(&db).await?;
    let before: BTreeMap<String, Entry> = catalog
        .entries
        .into_iter()
        .map(|e| (e.slug.clone(), e))
        .collect();
    let now = now_ms();
    let mut next: BTreeMap<String, Plan> = match upload.mode {
        UploadMode::Replace => BTreeMap::new(),
        UploadMode::Merge => before
            .iter()
            .map(|(slug, e)| (slug.clone(), Plan::stored(e)))
            .collect(),
    };
    for article in uploaded {
        let slug = article.slug.clone();
        next.insert(
            slug.clone(),
            Plan {
                updated: now,
                segment: before.get(&slug).map(|e| e.segment),
                deleted: false,
                fresh: Some(Override {
                    slug,
                    article: Some(article),
                    updated: now,
                }),
            },
        );
    }
    let sources: BTreeMap<&str, &str> = upload
        .articles
        .iter()
        .map(|a| (a.slug.as_str(), a.source.as_str()))
        .collect();
    update(
        env,
        &db,
        catalog.version,
        &catalog.segments,
        &before,
        next,
        |slug| sources.get(slug).copied(),
    )
    .await
}

/// `DELETE /api/v1/admin/content/<slug>`.
pub(crate) async fn delete(env: &Env, slug: &str) -> Result<Response, AppError> {
    if !valid_slug(slug) {
        return Err(AppError::code(
            ErrorCode::ArticleNotFound,
            "No live help article has that slug.",
        ));
    }
    let db = D1::of(env)?;
    let catalog = stored::catalog(&db).await?;
    let before: BTreeMap<String, Entry> = catalog
        .entries
        .into_iter()
        .map(|e| (e.slug.clone(), e))
        .collect();
    let bundled = content::bundled_source(slug).is_some();
    let is_live = match before.get(slug) {
        Some(e) => e.deleted == 0,
        None => bundled,
    };
    if !is_live {
        return Err(ApiError::new(
            ErrorCode::ArticleNotFound,
            format!("No live help article has the slug '{slug}'."),
        )
        .into());
    }
    let mut next: BTreeMap<String, Plan> = before
        .iter()
        .map(|(slug, e)| (slug.clone(), Plan::stored(e)))
        .collect();
    next.remove(slug);
    if bundled {
        let now = now_ms();
        next.insert(
            slug.to_owned(),
            Plan {
                updated: now,
                segment: Some(0),
                deleted: true,
                fresh: Some(Override {
                    slug: slug.to_owned(),
                    article: None,
                    updated: now,
                }),
            },
        );
    }
    // The only changed override is this slug's deletion: no source to write.
    update(
        env,
        &db,
        catalog.version,
        &catalog.segments,
        &before,
        next,
        |_| None,
    )
    .await
}

/// Applies `next` (every override after the update) to what is stored
/// (`before`, and the index's `stored` segments) as version `previous + 1`:
/// new slugs are given a segment, the segments the update touches are
/// rebuilt and staged one at a time, and one batch makes them live with
/// the overrides it writes and removes. This isolate then reads the new
/// index back. `source` gives each uploaded slug's Markdown.
async fn update<'s>(
    env: &Env,
    db: &D1,
    previous: i64,
    stored: &[StoredSegment],
    before: &BTreeMap<String, Entry>,
    mut next: BTreeMap<String, Plan>,
    source: impl Fn(&str) -> Option<&'s str>,
) -> Result<Response, AppError> {
    let removed: Vec<&str> = before
        .keys()
        .filter(|slug| !next.contains_key(*slug))
        .map(String::as_str)
        .collect();
    // Segments of the stored index, and the ones this update touches.
    let mut touched: BTreeSet<i64> = before
        .values()
        .filter(|e| !next.contains_key(&e.slug))
        .map(|e| e.segment)
        .collect();
    touched.extend(
        next.values()
            .filter(|p| p.fresh.is_some())
            .filter_map(|p| p.segment),
    );
    let counts = assign(&mut next, &mut touched);
    // A segment with articles but no stored index (the first update, or
    // one stored before segments) is built too.
    touched.extend(
        counts
            .keys()
            .filter(|s| !stored.iter().any(|x| x.segment == **s)),
    );
    let total: usize = counts.values().sum();
    if total > MAX_ARTICLES {
        return Err(ApiError::field(
            ErrorCode::PayloadTooLarge,
            "articles",
            format!(
                "The help centre would have {total} articles; it may have at most {MAX_ARTICLES}. Nothing was changed."
            ),
        )
        .into());
    }
    let uploaded = next.values().filter(|p| !p.deleted).count();
    let gone: BTreeSet<&str> = removed
        .iter()
        .copied()
        .chain(
            next.iter()
                .filter(|(_, p)| p.fresh.is_some())
                .map(|(s, _)| s.as_str()),
        )
        .collect();
    let bucket = blobs::bucket(env)?;
    // The old index's memory goes to the segments built now.
    live::forget();
    let writer = live::writer()?;
    let mut staged: Vec<Staged> = Vec::new();
    let mut build_ms = 0;
    for &s in touched.iter().filter(|s| counts.contains_key(s)) {
        let fresh: Vec<Override> = next
            .values()
            .filter(|p| p.segment == Some(s))
            .filter_map(|p| p.fresh.clone())
            .collect();
        let result = async {
            let articles = live::segment_articles(db, s, &fresh, &gone).await?;
            let started = now_ms();
            let segment = Segment::build(&articles);
            build_ms += (now_ms() - started).max(0) as u64;
            drop(articles);
            live::stage(&bucket, &writer, s, segment).await
        }
        .await;
        match result {
            Ok(one) => staged.push(one),
            Err(e) => {
                live::discard(&bucket, &writer, &staged).await;
                return Err(e);
            }
        }
    }
    let emptied: Vec<i64> = stored
        .iter()
        .map(|x| x.segment)
        .filter(|s| !counts.contains_key(s))
        .collect();
    let mut writes = Vec::new();
    for (slug, p) in &next {
        let Some(fresh) = &p.fresh else { continue };
        let source = match &fresh.article {
            Some(a) => Some((
                source(slug).ok_or_else(|| AppError::Internal(format!("no source for {slug}")))?,
                a,
            )),
            None => None,
        };
        writes.push(Write {
            slug,
            source,
            updated: p.updated,
            segment: p.segment.unwrap_or(0),
        });
    }
    // An error here may still have landed (a reply lost on the way): the
    // staged objects stay, and the scheduled sweep deletes them if no live
    // segment names them. Refused is certain: they go now.
    let Some(version) = stored::commit(
        db,
        &writer,
        previous,
        &staged,
        &emptied,
        &writes,
        &removed,
        now_ms(),
    )
    .await?
    else {
        live::discard(&bucket, &writer, &staged).await;
        return Err(AppError::code(
            ErrorCode::ContentConflict,
            "The help content changed while this update was being built; nothing of it was stored. Send it again.",
        ));
    };
    // What the new version no longer names.
    let replaced: Vec<&StoredSegment> = stored
        .iter()
        .filter(|x| emptied.contains(&x.segment) || staged.iter().any(|s| s.segment == x.segment))
        .collect();
    live::retire(&bucket, &replaced).await;
    let index_bytes: usize = staged.iter().map(|s| s.bytes).sum();
    worker::console_log!(
        "content version {version}: {total} articles ({uploaded} uploaded) in {} segments, \
         {} rebuilt ({index_bytes} bytes) in {build_ms} ms",
        counts.len(),
        staged.len()
    );
    match live::load(env, db).await {
        Ok(live) => live::install(live),
        // Stored: the next request reads it.
        Err(e) => worker::console_error!("content version {version} stored, not loaded: {e:?}"),
    }
    json(
        &ContentUpdated {
            version,
            articles: total,
            uploaded,
            index_bytes,
            build_ms,
            segments: counts.len(),
            rebuilt: staged.len(),
        },
        200,
    )
}

/// Gives each new slug of `next` a segment: a bundled article's slug is in
/// segment 0; another goes to a segment this update already touches if one
/// has room (fewer than `SEGMENT_DOCS` articles), else to the first with
/// room, else to a new one (so an upload rebuilds as few segments as it
/// can). Returns the live articles per segment (the bundled ones counted
/// in segment 0), leaving out segments with none.
fn assign(next: &mut BTreeMap<String, Plan>, touched: &mut BTreeSet<i64>) -> BTreeMap<i64, usize> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for slug in content::bundled_slugs() {
        if !next.contains_key(slug) {
            *counts.entry(0).or_default() += 1;
        }
    }
    for (slug, p) in next.iter_mut() {
        if content::bundled_source(slug).is_some() {
            p.segment = Some(0);
        }
        if let (Some(s), false) = (p.segment, p.deleted) {
            *counts.entry(s).or_default() += 1;
        }
    }
    for p in next.values_mut().filter(|p| p.segment.is_none()) {
        let room = |s: &i64| counts.get(s).copied().unwrap_or(0) < SEGMENT_DOCS;
        let s = touched
            .iter()
            .copied()
            .find(|s| room(s))
            .or_else(|| counts.keys().copied().find(|s| room(s)))
            .unwrap_or_else(|| counts.keys().next_back().map_or(0, |last| last + 1));
        p.segment = Some(s);
        touched.insert(s);
        if !p.deleted {
            *counts.entry(s).or_default() += 1;
        }
    }
    counts.retain(|_, n| *n > 0);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(segment: Option<i64>) -> Plan {
        Plan {
            updated: 1,
            segment,
            deleted: false,
            fresh: None,
        }
    }

    #[test]
    fn new_articles_fill_the_segments_they_touch_then_the_first_with_room_then_a_new_one() {
        let bundled = content::bundled_slugs().count();
        // A full first segment (the bundled articles and uploaded ones), a
        // second with one free place, a third with room.
        let mut next: BTreeMap<String, Plan> = BTreeMap::new();
        for i in 0..SEGMENT_DOCS - bundled {
            next.insert(format!("a{i:05}"), plan(Some(0)));
        }
        for i in 0..SEGMENT_DOCS - 1 {
            next.insert(format!("b{i:05}"), plan(Some(1)));
        }
        next.insert("c".into(), plan(Some(2)));
        // New: three slugs, and a bundled article's slug uploaded again.
        for slug in ["new-1", "new-2", "new-3"] {
            next.insert(slug.into(), plan(None));
        }
        let bundled_slug = content::bundled_slugs().next().unwrap().to_owned();
        next.insert(bundled_slug.clone(), plan(None));
        // The update already touches segment 2.
        let mut touched = BTreeSet::from([2]);
        let counts = assign(&mut next, &mut touched);
        // The bundled article's slug stays in segment 0; the new ones go to
        // the touched segment 2, which has room.
        assert_eq!(next[&bundled_slug].segment, Some(0));
        for slug in ["new-1", "new-2", "new-3"] {
            assert_eq!(next[slug].segment, Some(2), "{slug}");
        }
        assert_eq!(
            counts,
            BTreeMap::from([(0, SEGMENT_DOCS), (1, SEGMENT_DOCS - 1), (2, 4)])
        );
        assert_eq!(touched, BTreeSet::from([2]));

        // Touching nothing: the first segment with room (1) takes one, then
        // the rest go to the first with room after it.
        next.remove("c");
        for slug in ["new-1", "new-2", "new-3"] {
            next.insert(slug.into(), plan(None));
        }
        let mut touched = BTreeSet::new();
        let counts = assign(&mut next, &mut touched);
        assert_eq!(next["new-1"].segment, Some(1));
        assert_eq!(next["new-2"].segment, Some(2));
        assert_eq!(next["new-3"].segment, Some(2));
        assert_eq!(touched, BTreeSet::from([1, 2]));
        assert_eq!(
            counts,
            BTreeMap::from([(0, SEGMENT_DOCS), (1, SEGMENT_DOCS), (2, 2)])
        );
    }

    #[test]
    fn deletions_count_no_article_and_empty_segments_are_left_out() {
        let bundled: Vec<&str> = content::bundled_slugs().collect();
        let mut next: BTreeMap<String, Plan> = BTreeMap::new();
        // Every bundled article deleted; one uploaded article in segment 3.
        for slug in &bundled {
            next.insert(
                (*slug).to_owned(),
                Plan {
                    deleted: true,
                    ..plan(Some(0))
                },
            );
        }
        next.insert("x".into(), plan(Some(3)));
        let counts = assign(&mut next, &mut BTreeSet::new());
        assert_eq!(counts, BTreeMap::from([(3, 1)]));
        // A new article goes to the first segment with room: 3 (segment 0
        // has no live article, so it is not a segment any more).
        next.insert("y".into(), plan(None));
        let counts = assign(&mut next, &mut BTreeSet::new());
        assert_eq!(next["y"].segment, Some(3));
        assert_eq!(counts, BTreeMap::from([(3, 2)]));
    }
}
