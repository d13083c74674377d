//! What a content update costs: checking an upload (parsing every article),
//! building the index, and the stored index's size (by part) and load time,
//! for the sample help centre (`kb/`) and synthetic ones of 1,000, 2,000
//! and 10,000 articles shaped like it (Markdown of about 4 KB: a title,
//! five example questions, four sections, words drawn with their
//! frequencies in `kb/`). Also: the passages hybrid retrieval embeds, their
//! vectors' memory (384 dimensions, int8), and one decision's time without
//! and with the dense view (the embedding call itself not included). The
//! live heap of a decoded index (bytes allocated by decoding it and still
//! held) is what a Workers isolate (128 MB) keeps per content version.
//!
//! `cargo run --release -p frontdesk-shared --example rebuild`
//!
//! Prints; asserts nothing about time. The worker runs the same code as
//! wasm (the admin update reports its own `build_ms`).

use std::alloc::System;
use std::collections::BTreeMap;
use std::time::Instant;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

use frontdesk_shared::retrieval::content::{
    check_upload, ContentUpload, UploadMode, UploadedArticle, MAX_UPLOAD_ARTICLES,
};
use frontdesk_shared::retrieval::{Context, Index, Policy, Segment, Thresholds, SEGMENT_DOCS};

/// Counts allocations, so the example can tell a decoded index's live heap.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

fn kb() -> Vec<UploadedArticle> {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
        .join("../kb");
    let mut out: Vec<UploadedArticle> = std::fs::read_dir(dir)
        .expect("kb/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| UploadedArticle {
            slug: p.file_stem().unwrap().to_string_lossy().into_owned(),
            source: std::fs::read_to_string(&p).expect("utf-8"),
        })
        .collect();
    out.sort_by(|a, b| a.slug.cmp(&b.slug));
    out
}

fn synthetic(n: usize, sample: &[UploadedArticle]) -> Vec<UploadedArticle> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for a in sample {
        for w in a
            .source
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            *counts.entry(w.to_lowercase()).or_default() += 1;
        }
    }
    let mut total = 0;
    let (words, cdf): (Vec<String>, Vec<u64>) = counts
        .into_iter()
        .map(|(w, c)| {
            total += c;
            (w, total)
        })
        .unzip();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let mut sentence = |lo, hi| {
        let n = rng.range(lo, hi);
        (0..n)
            .map(|_| {
                let x = rng.next() % total;
                words[cdf.partition_point(|c| *c <= x)].as_str()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..n)
        .map(|i| {
            let mut src = format!(
                "---\ntitle: {}\nurl: /help/a{i}\nlang: en\nquestions:\n",
                sentence(3, 7)
            );
            for _ in 0..5 {
                src += &format!("  - {}\n", sentence(5, 12));
            }
            src += "---\n";
            for s in 0..4 {
                if s > 0 {
                    src += &format!("\n## {}\n", sentence(2, 5));
                }
                src += &sentence(120, 180);
                src.push('\n');
            }
            UploadedArticle {
                slug: format!("a{i}"),
                source: src,
            }
        })
        .collect()
}

/// Bytes still allocated of those counted in `change` (a reallocation
/// counts its growth as allocated, its shrinking as deallocated).
fn net(change: stats_alloc::Stats) -> isize {
    change.bytes_allocated as isize - change.bytes_deallocated as isize
}

fn measure(name: &str, articles: Vec<UploadedArticle>) {
    let bytes: usize = articles.iter().map(|a| a.source.len()).sum();
    let n = articles.len();
    // One upload holds at most MAX_UPLOAD_ARTICLES; a bigger help centre is
    // uploaded (and checked) in parts.
    // What an update holds at once, as the worker does it: every
    // article's Markdown, the parsed articles, the new index and its
    // stored bytes.
    let update = Region::new(GLOBAL);
    let t = Instant::now();
    let mut parsed = Vec::with_capacity(n);
    for part in articles.chunks(MAX_UPLOAD_ARTICLES) {
        let upload = ContentUpload {
            articles: part.to_vec(),
            mode: UploadMode::Replace,
        };
        parsed.extend(check_upload(&upload).expect("valid upload"));
    }
    let check = t.elapsed();
    let t = Instant::now();
    let index = Index::build_with(&parsed, Policy::default());
    let build = t.elapsed();
    let encoded = postcard::to_allocvec(&index).expect("encode");
    let held = bytes as isize + net(update.change());

    // What the worker's update holds instead: the index is in segments of
    // SEGMENT_DOCS articles and an update rebuilds only those it touches,
    // one at a time (each segment's articles' Markdown, parsed, its
    // segment and that segment's stored bytes), dropping each before the
    // next. The largest such step, and the build time of all of them.
    let mut segment_held = 0isize;
    let mut segment_build = std::time::Duration::ZERO;
    // What the worker stores of each: the segment without its articles'
    // texts (what an isolate loads) and the texts apart.
    let mut loaded: Vec<Vec<u8>> = vec![];
    let mut texts_bytes = 0;
    for part in articles.chunks(SEGMENT_DOCS.min(MAX_UPLOAD_ARTICLES)) {
        let region = Region::new(GLOBAL);
        let markdown: usize = part.iter().map(|a| a.source.len()).sum();
        let upload = ContentUpload {
            articles: part.to_vec(),
            mode: UploadMode::Merge,
        };
        let parsed = check_upload(&upload).expect("valid upload");
        drop(upload);
        let t = Instant::now();
        let mut segment = Segment::build(&parsed);
        segment_build += t.elapsed();
        let texts = segment.take_texts();
        let stored = postcard::to_allocvec(&segment).expect("encode");
        segment_held = segment_held.max(markdown as isize + net(region.change()));
        texts_bytes += texts.len();
        drop((segment, parsed, texts));
        loaded.push(stored);
    }
    let loaded_bytes: usize = loaded.iter().map(Vec::len).sum();
    let region = Region::new(GLOBAL);
    let t = Instant::now();
    let apart = Index::assemble(
        loaded
            .iter()
            .map(|b| postcard::from_bytes::<Segment>(b).expect("decode"))
            .collect(),
        Policy::default(),
    );
    let load_apart = t.elapsed();
    let heap_apart = net(region.change());
    assert_eq!(apart.len(), n);
    drop((apart, loaded));
    let region = Region::new(GLOBAL);
    let t = Instant::now();
    let back: Index = postcard::from_bytes(&encoded).expect("decode");
    let load = t.elapsed();
    let heap = net(region.change());
    assert_eq!(back.len(), n);
    let total = check + build;
    let parts: Vec<String> = index
        .part_sizes()
        .iter()
        .map(|(name, bytes)| format!("{name} {:.1} MB", *bytes as f64 / 1e6))
        .collect();
    let passages = index.passage_count();
    // What an isolate with an embedding model does once per content
    // version to find the passages' vectors: their stored hashes (and,
    // what it did before they were stored, every passage's text).
    let t = Instant::now();
    let hashes = index.passage_hashes();
    let hashes_ms = t.elapsed().as_secs_f64() * 1e3;
    drop(hashes);
    let t = Instant::now();
    let texts = index.embedding_texts();
    let texts_ms = t.elapsed().as_secs_f64() * 1e3;
    let texts_mb = texts.iter().map(|t| t.text.len()).sum::<usize>() as f64 / 1e6;
    drop(texts);
    // One decision, lexical and hybrid, on questions made of the articles'
    // own words; similarities drawn at random (what they are does not
    // change the work).
    let th = Thresholds::default();
    let questions: Vec<String> = parsed
        .iter()
        .step_by((n / 50).max(1))
        .map(|a| {
            a.questions
                .first()
                .cloned()
                .unwrap_or_else(|| a.title.clone())
        })
        .collect();
    let mut rng = Rng(7);
    let semantic: Vec<f32> = (0..passages)
        .map(|_| 0.7 + (rng.next() % 1000) as f32 / 5000.0)
        .collect();
    // The fastest of five rounds: a busy machine only ever adds time.
    let time = |ctx: &Context| {
        (0..std::env::var("ROUNDS").map_or(5, |r| r.parse().unwrap()))
            .map(|_| {
                let t = Instant::now();
                for q in &questions {
                    std::hint::black_box(index.turn(q, ctx, &th, None));
                }
                t.elapsed().as_secs_f64() * 1e6 / questions.len() as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let lexical = time(&Context::default());
    let hybrid = time(&Context {
        semantic: Some(&semantic),
        ..Context::default()
    });
    println!(
        "{name}: {n} articles, {:.1} MB of Markdown: check {:.0} ms, index build {:.0} ms ({:.0} articles/s); \
         index {:.1} MB (postcard); load {:.0} ms, live heap {:.1} MB\n  parts: {}\n  passages {passages} \
         (vectors {:.1} MB at 384 dims int8; looked up by their hashes in {hashes_ms:.1} ms, \
         not their texts: {texts_mb:.1} MB in {texts_ms:.0} ms); decision {lexical:.0} µs lexical, {hybrid:.0} µs hybrid\n  \
         stored as the worker does: {:.1} MB loaded ({:.0} ms, live heap {:.1} MB), texts apart {:.1} MB\n  \
         an update holds {:.1} MB at once; by segments of {SEGMENT_DOCS}: {:.1} MB \
         at most, built in {:.0} ms in all",
        bytes as f64 / 1e6,
        check.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3,
        n as f64 / total.as_secs_f64(),
        encoded.len() as f64 / 1e6,
        load.as_secs_f64() * 1e3,
        heap as f64 / 1e6,
        parts.join(", "),
        (passages * 384) as f64 / 1e6,
        loaded_bytes as f64 / 1e6,
        load_apart.as_secs_f64() * 1e3,
        heap_apart as f64 / 1e6,
        texts_bytes as f64 / 1e6,
        held as f64 / 1e6,
        segment_held as f64 / 1e6,
        segment_build.as_secs_f64() * 1e3,
    );
}

fn main() {
    let sample = kb();
    measure("kb/ (sample)", sample.clone());
    let sizes: Vec<usize> = match std::env::args().nth(1) {
        Some(n) => vec![n.parse().expect("a number of articles")],
        None => vec![1_000, 2_000, 10_000],
    };
    for n in sizes {
        measure(&format!("synthetic {n}"), synthetic(n, &sample));
    }
}
