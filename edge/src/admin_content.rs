//! `/api/v1/admin/content`: the help content on a running deployment.
//!
//! - `GET` lists the live articles (bundled or uploaded) and the version.
//! - `PUT` uploads articles (`frontdesk_shared::content::ContentUpload`):
//!   everything is checked first (a bad article is a 400 naming it and the
//!   line, a body over 8 MiB or too many articles a 413, and nothing
//!   changes), then the index is rebuilt once and stored with a new version.
//! - `DELETE /<slug>` removes one live article (a bundled one is hidden)
//!   and rebuilds.

use std::collections::BTreeMap;

use frontdesk_shared::content::{
    check_upload, valid_slug, ContentItem, ContentList, ContentUpdated, ContentUpload, Origin,
    Override, UploadMode, MAX_ARTICLES, MAX_UPLOAD_BYTES,
};
use frontdesk_shared::engine::Index;
use frontdesk_shared::error::{ApiError, ErrorCode};
use frontdesk_shared::kb::Article;
use worker::{D1Database, Env, Request, Response};

use crate::http::{json, read_json_limited};
use crate::live::{self, Live, Write};
use crate::platform::now_ms;
use crate::{content, AppError};

/// `GET /api/v1/admin/content`.
pub async fn list(env: &Env) -> Result<Response, AppError> {
    let db = env.d1("DB")?;
    let stored = live::stored(&db).await?;
    let articles = live::articles(stored.overrides)
        .into_iter()
        .map(|l| ContentItem {
            slug: l.article.slug,
            title: l.article.title,
            lang: l.article.lang,
            url: l.article.url,
            source: l.origin,
            updated: l.updated,
        })
        .collect();
    json(
        &ContentList {
            version: stored.version,
            articles,
        },
        200,
    )
}

/// `PUT /api/v1/admin/content`.
pub async fn put(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let upload: ContentUpload = read_json_limited(&mut req, MAX_UPLOAD_BYTES).await?;
    let uploaded = check_upload(&upload)?;
    let db = env.d1("DB")?;
    let stored = live::stored(&db).await?;
    let before = written(&stored.overrides);
    let now = now_ms();
    let mut next: BTreeMap<String, Override> = match upload.mode {
        UploadMode::Replace => BTreeMap::new(),
        UploadMode::Merge => stored
            .overrides
            .into_iter()
            .map(|o| (o.slug.clone(), o))
            .collect(),
    };
    for article in uploaded {
        next.insert(
            article.slug.clone(),
            Override {
                slug: article.slug.clone(),
                article: Some(article),
                updated: now,
            },
        );
    }
    let sources: BTreeMap<&str, &str> = upload
        .articles
        .iter()
        .map(|a| (a.slug.as_str(), a.source.as_str()))
        .collect();
    rebuild(&db, stored.version, before, next, |slug| {
        sources.get(slug).map(|s| (*s).to_owned())
    })
    .await
}

/// `DELETE /api/v1/admin/content/<slug>`.
pub async fn delete(env: &Env, slug: &str) -> Result<Response, AppError> {
    if !valid_slug(slug) {
        return Err(AppError::code(
            ErrorCode::ArticleNotFound,
            "No live help article has that slug.",
        ));
    }
    let db = env.d1("DB")?;
    let stored = live::stored(&db).await?;
    let before = written(&stored.overrides);
    if !live::articles(stored.overrides.clone())
        .iter()
        .any(|l| l.article.slug == slug)
    {
        return Err(ApiError::new(
            ErrorCode::ArticleNotFound,
            format!("No live help article has the slug '{slug}'."),
        )
        .into());
    }
    let mut next: BTreeMap<String, Override> = stored
        .overrides
        .into_iter()
        .map(|o| (o.slug.clone(), o))
        .collect();
    next.remove(slug);
    if content::bundled_source(slug).is_some() {
        next.insert(
            slug.to_owned(),
            Override {
                slug: slug.to_owned(),
                article: None,
                updated: now_ms(),
            },
        );
    }
    // The only changed override is this slug's deletion: no source to write.
    rebuild(&db, stored.version, before, next, |_| None).await
}

/// When each stored override was last written, by slug: what an update
/// compares its overrides with, to write only those it changes.
fn written(overrides: &[Override]) -> BTreeMap<String, i64> {
    overrides
        .iter()
        .map(|o| (o.slug.clone(), o.updated))
        .collect()
}

/// Builds the index for the bundled articles with `next` applied, stores it
/// as version `previous + 1` with the overrides that differ from `before`
/// (the stored ones' [`written`]), and makes it this isolate's content.
/// `source` gives each changed uploaded slug's Markdown.
async fn rebuild(
    db: &D1Database,
    previous: i64,
    before: BTreeMap<String, i64>,
    next: BTreeMap<String, Override>,
    source: impl Fn(&str) -> Option<String>,
) -> Result<Response, AppError> {
    let removed: Vec<&str> = before
        .keys()
        .filter(|slug| !next.contains_key(*slug))
        .map(String::as_str)
        .collect();
    let overrides: Vec<Override> = next.into_values().collect();
    let listed = live::articles(overrides.clone());
    if listed.len() > MAX_ARTICLES {
        return Err(ApiError::field(
            ErrorCode::PayloadTooLarge,
            "articles",
            format!(
                "The help centre would have {} articles; it may have at most {MAX_ARTICLES}. Nothing was changed.",
                listed.len()
            ),
        )
        .into());
    }
    let uploaded = listed
        .iter()
        .filter(|l| l.origin == Origin::Uploaded)
        .count();
    let articles: Vec<Article> = listed.into_iter().map(|l| l.article).collect();
    let started = now_ms();
    let index = Index::build_with(&articles, content::policy());
    let build_ms = (now_ms() - started).max(0) as u64;
    // Only the overrides this update adds or changes are written; the
    // stored rows of the others stay as they are.
    let changed: Vec<&Override> = overrides
        .iter()
        .filter(|o| before.get(&o.slug) != Some(&o.updated))
        .collect();
    let sources: Vec<Option<String>> = changed
        .iter()
        .map(|o| o.article.as_ref().and_then(|_| source(&o.slug)))
        .collect();
    let mut writes = Vec::with_capacity(changed.len());
    for (o, src) in changed.iter().zip(&sources) {
        let source = match (&o.article, src) {
            (Some(a), Some(src)) => Some((src.as_str(), a)),
            (None, _) => None,
            (Some(_), None) => {
                return Err(AppError::Internal(format!("no source for {}", o.slug)));
            }
        };
        writes.push(Write {
            slug: &o.slug,
            source,
            updated: o.updated,
        });
    }
    let Some((version, index_bytes)) =
        live::publish(db, previous, &writes, &removed, &index).await?
    else {
        return Err(AppError::code(
            ErrorCode::ContentConflict,
            "The help content changed while this update was being built; nothing of it was stored. Send it again.",
        ));
    };
    worker::console_log!(
        "content version {version}: {} articles ({uploaded} uploaded), index {index_bytes} bytes built in {build_ms} ms",
        index.len()
    );
    let articles = index.len();
    live::install(Live {
        version,
        index: std::rc::Rc::new(index),
    });
    json(
        &ContentUpdated {
            version,
            articles,
            uploaded,
            index_bytes,
            build_ms,
        },
        200,
    )
}
