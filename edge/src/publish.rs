//! The help content on a running deployment as use cases over [`Ports`]:
//! what is live ([`list`]), how its index is stored ([`index`]), an upload
//! ([`put`]) and the deletion of one article ([`delete`]). The handler
//! (`admin_content.rs`) reads the request, calls one of them and renders
//! its answer; `cargo test` runs them natively (`publish/tests.rs`).
//!
//! An update is checked whole before anything is stored (a bad article is
//! a 400 naming it and the line, too many articles a 413, and nothing
//! changes); then each segment it touches is rebuilt and staged once, one
//! at a time (two objects under the update's writer id, not live yet), and
//! one D1 batch makes them live with the overrides it changes and a new
//! version, unless another update landed first (`content_conflict`: its
//! objects go). The objects of the segments it replaced go after it has
//! landed (`live.rs` says why that order).

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_shared::retrieval::content::{
    check_upload, valid_slug, ContentIndex, ContentItem, ContentList, ContentUpdated,
    ContentUpload, IndexObject, IndexSegment, Origin, Override, UploadMode, MAX_ARTICLES,
};
use frontdesk_shared::retrieval::Segment;

use crate::blobs::Blobs;
use crate::db::content::{self as stored, Entry, Staged, StoredSegment, Write};
use crate::ports::Ports;
use crate::{content, live, AppError};

mod plan;

use plan::{assign, Plan};

/// The live articles and the version, from the stored rows' titles,
/// languages and URLs (no article is read or parsed).
pub(crate) async fn list(ports: &impl Ports) -> Result<ContentList, AppError> {
    let catalog = stored::catalog(ports.db()).await?;
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
    Ok(ContentList {
        version: catalog.version,
        articles,
    })
}

/// How the live index is stored: its segments, and every stored object
/// (index segments, live or left behind, and passage vector matrices).
pub(crate) async fn index(ports: &impl Ports) -> Result<ContentIndex, AppError> {
    let catalog = stored::catalog(ports.db()).await?;
    let mut objects = ports.blobs().list(live::INDEX_PREFIX).await?;
    objects.extend(ports.blobs().list(crate::embed::MATRIX_PREFIX).await?);
    Ok(ContentIndex {
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
    })
}

/// Stores `upload` as a new version: merged with what is live, or in place
/// of every stored override (`mode: "replace"`).
pub(crate) async fn put(
    ports: &impl Ports,
    upload: &ContentUpload,
) -> Result<ContentUpdated, AppError> {
    let uploaded = check_upload(upload)?;
    let catalog = stored::catalog(ports.db()).await?;
    let before: BTreeMap<String, Entry> = catalog
        .entries
        .into_iter()
        .map(|e| (e.slug.clone(), e))
        .collect();
    let now = ports.now();
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
    let was = Stored {
        version: catalog.version,
        segments: &catalog.segments,
        entries: &before,
    };
    update(ports, &was, next, |slug| sources.get(slug).copied()).await
}

/// Removes live article `slug` (a bundled one is hidden) as a new version;
/// `article_not_found` when no live article has that slug.
pub(crate) async fn delete(ports: &impl Ports, slug: &str) -> Result<ContentUpdated, AppError> {
    if !valid_slug(slug) {
        return Err(AppError::code(
            ErrorCode::ArticleNotFound,
            "No live help article has that slug.",
        ));
    }
    let catalog = stored::catalog(ports.db()).await?;
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
        let now = ports.now();
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
    let was = Stored {
        version: catalog.version,
        segments: &catalog.segments,
        entries: &before,
    };
    // The only changed override is this slug's deletion: no source to write.
    update(ports, &was, next, |_| None).await
}

/// What is stored before an update.
struct Stored<'a> {
    /// The live version.
    version: i64,
    /// The live segments of the stored index.
    segments: &'a [StoredSegment],
    /// Every stored override, by slug.
    entries: &'a BTreeMap<String, Entry>,
}

/// Applies `next` (every override after the update) to what `was` stored
/// as version `was.version + 1`: new slugs are given a segment, the
/// segments the update touches are rebuilt and staged one at a time, and
/// one batch makes them live with the overrides it writes and removes.
/// This isolate then reads the new index back. `source` gives each
/// uploaded slug's Markdown.
async fn update<'s>(
    ports: &impl Ports,
    was: &Stored<'_>,
    mut next: BTreeMap<String, Plan>,
    source: impl Fn(&str) -> Option<&'s str>,
) -> Result<ContentUpdated, AppError> {
    let before = was.entries;
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
            .filter(|s| !was.segments.iter().any(|x| x.segment == **s)),
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
    // The old index's memory goes to the segments built now.
    ports.drop_content();
    let writer = ports.new_id()?;
    let mut staged: Vec<Staged> = Vec::new();
    let mut build_ms = 0;
    for &s in touched.iter().filter(|s| counts.contains_key(s)) {
        let fresh: Vec<Override> = next
            .values()
            .filter(|p| p.segment == Some(s))
            .filter_map(|p| p.fresh.clone())
            .collect();
        let result = async {
            let articles = live::segment_articles(ports.db(), s, &fresh, &gone).await?;
            let started = ports.now();
            let segment = Segment::build(&articles);
            build_ms += (ports.now() - started).max(0) as u64;
            drop(articles);
            live::stage(ports, &writer, s, segment).await
        }
        .await;
        match result {
            Ok(one) => staged.push(one),
            Err(e) => {
                live::discard(ports, &writer, &staged).await;
                return Err(e);
            }
        }
    }
    let emptied: Vec<i64> = was
        .segments
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
        ports.db(),
        &writer,
        was.version,
        &staged,
        &emptied,
        &writes,
        &removed,
        ports.now(),
    )
    .await?
    else {
        live::discard(ports, &writer, &staged).await;
        return Err(AppError::code(
            ErrorCode::ContentConflict,
            "The help content changed while this update was being built; nothing of it was stored. Send it again.",
        ));
    };
    // What the new version no longer names.
    let replaced: Vec<&StoredSegment> = was
        .segments
        .iter()
        .filter(|x| emptied.contains(&x.segment) || staged.iter().any(|s| s.segment == x.segment))
        .collect();
    live::retire(ports, &replaced).await;
    let index_bytes: usize = staged.iter().map(|s| s.bytes).sum();
    ports.log(&format!(
        "content version {version}: {total} articles ({uploaded} uploaded) in {} segments, \
         {} rebuilt ({index_bytes} bytes) in {build_ms} ms",
        counts.len(),
        staged.len()
    ));
    ports.reload_content(version).await;
    Ok(ContentUpdated {
        version,
        articles: total,
        uploaded,
        index_bytes,
        build_ms,
        segments: counts.len(),
        rebuilt: staged.len(),
    })
}

#[cfg(test)]
mod tests;
