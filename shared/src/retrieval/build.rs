//! Building an index: a [`Segment`] from articles, segments assembled
//! into an [`Index`], and what the worker stores and reads of it (texts
//! apart, embedding texts, passage hashes).

use std::collections::BTreeMap;

use serde::Serialize;

use super::bayes::Bayes;
use super::chargram::CharGrams;
use super::dense;
use super::postings::{List, Posting, Postings, MASKED_PASSAGES};
use super::rank::saturated_weight;
use super::{
    fnv1a, passage_terms, Doc, EmbeddingText, Index, Passage, Policy, QueryTerm, RawPosting,
    Segment, TextRef, Texts, BAYES_FIELD_WEIGHT, MAX_DOCS, N_FIELDS, SEGMENT_DOCS, TEXT_LEVEL,
};
use crate::retrieval::kb::Article;
use crate::text::{Lang, MemoAnalyzer};
use frontdesk_api::wire::Source;

impl Segment {
    /// Builds a segment from parsed articles.
    ///
    /// # Panics
    ///
    /// With more than [`MAX_DOCS`] articles.
    pub fn build(articles: &[Article]) -> Segment {
        assert!(
            articles.len() <= MAX_DOCS,
            "a segment holds at most {MAX_DOCS} articles"
        );
        // term → its postings, in article order.
        let mut raw_postings: BTreeMap<String, Vec<RawPosting>> = BTreeMap::new();
        let mut docs = Vec::with_capacity(articles.len());
        let mut bayes_totals = Vec::with_capacity(articles.len());
        let mut chunk_counts = Vec::with_capacity(articles.len());
        let mut hashes = Vec::new();
        let mut snippets: Vec<Vec<&str>> = Vec::with_capacity(articles.len());
        // One analyzer per language for the whole segment, remembering
        // each word's term.
        let mut analyzers: BTreeMap<Lang, MemoAnalyzer> = BTreeMap::new();
        for (i, a) in articles.iter().enumerate() {
            let lang = Lang::from_tag(&a.lang);
            let analyzer = analyzers
                .entry(lang)
                .or_insert_with(|| MemoAnalyzer::new(lang));
            let headings: Vec<&str> = a
                .sections
                .iter()
                .filter_map(|s| s.heading.as_deref())
                .collect();
            let body: Vec<&str> = a.sections.iter().map(|s| s.text.as_str()).collect();
            let fields: [Vec<String>; N_FIELDS] = [
                analyzer.terms(&a.title),
                analyzer.terms(&[a.questions.join("\n"), a.tags.join(" ")].join("\n")),
                analyzer.terms(&headings.join("\n")),
                analyzer.terms(&body.join("\n")),
            ];
            let mut texts: Vec<&str> = vec![a.title.as_str()];
            texts.extend(a.questions.iter().map(String::as_str));
            texts.extend(headings.iter().copied());
            if a.questions.is_empty() {
                texts.extend(body.iter().copied());
            }
            snippets.push(texts);
            let mut tf: BTreeMap<&str, ([u16; N_FIELDS], f32)> = BTreeMap::new();
            let mut total = 0.0f32;
            for (f, terms) in fields.iter().enumerate() {
                for t in terms {
                    let (e, count) = tf.entry(t.as_str()).or_default();
                    e[f] = e[f].saturating_add(1);
                    *count += BAYES_FIELD_WEIGHT[f];
                    total += BAYES_FIELD_WEIGHT[f];
                }
            }
            bayes_totals.push(total);
            let passages: Vec<Passage> = a
                .sections
                .iter()
                .map(|s| Passage {
                    heading: s.heading.clone().unwrap_or_default(),
                    text: s.text.clone(),
                })
                .collect();
            let mut masks: BTreeMap<String, u8> = BTreeMap::new();
            for (p, passage) in passages.iter().enumerate() {
                let bit = 1 << p.min(MASKED_PASSAGES);
                for t in passage_terms(|text| analyzer.terms(text), passage) {
                    *masks.entry(t).or_default() |= bit;
                }
            }
            for (term, (tf, count)) in tf {
                let mask = masks.get(term).copied().unwrap_or(0);
                raw_postings
                    .entry(term.to_owned())
                    .or_default()
                    .push(RawPosting {
                        doc: i as u32,
                        tf,
                        count,
                        passages: mask,
                    });
            }
            let chunks = dense::chunks(&a.title, &a.questions, &passages);
            chunk_counts.push(u8::try_from(chunks.len()).unwrap_or(u8::MAX));
            hashes.extend(chunks.iter().map(|c| fnv1a(c.text.as_bytes())));
            let passages = postcard::to_allocvec(&passages).expect("in-memory encoding");
            let passages = miniz_oxide::deflate::compress_to_vec(&passages, TEXT_LEVEL);
            docs.push(Doc {
                slug: a.slug.clone(),
                lang,
                title: a.title.clone(),
                questions: a.questions.clone(),
                url: a.url.clone(),
                len: fields.each_ref().map(|f| f.len() as u32),
                passages,
            });
        }
        let mut avg_len = [0.0; N_FIELDS];
        for (f, avg) in avg_len.iter_mut().enumerate() {
            let total: u32 = docs.iter().map(|d| d.len[f]).sum();
            *avg = (total as f32 / docs.len().max(1) as f32).max(1.0);
        }
        let counts: Vec<f32> = raw_postings.values().flatten().map(|p| p.count).collect();
        let bayes = Bayes::build(&counts, bayes_totals);
        let postings = Postings::build(raw_postings.iter().map(|(term, list)| {
            let list = list
                .iter()
                .map(|p| {
                    let posting = Posting {
                        weight: saturated_weight(&p.tf, &docs[p.doc as usize].len, &avg_len),
                        strong: p.tf[0] > 0 || p.tf[1] > 0,
                        passages: p.passages,
                    };
                    (p.doc, posting)
                })
                .collect();
            (term.as_str(), list)
        }));
        Segment {
            docs,
            postings,
            avg_len,
            bayes,
            chars: CharGrams::build(&snippets),
            chunks: chunk_counts,
            hashes,
            text_ends: vec![],
        }
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether it has no articles: [`Index::assemble`] leaves such a
    /// segment out.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Takes the articles' texts out, to be stored apart: their deflated
    /// bytes, concatenated in article order. Only a reply's articles (one
    /// to three) need them, so an isolate need not load them all: a third
    /// of a stored index. The segment keeps where each text ends.
    pub fn take_texts(&mut self) -> Vec<u8> {
        if !self.text_ends.is_empty() {
            return vec![];
        }
        let mut out = Vec::new();
        for d in &mut self.docs {
            out.append(&mut d.passages);
            self.text_ends.push(out.len() as u32);
        }
        out
    }
}

impl Index {
    /// Builds the index from parsed articles, with no site policy.
    pub fn build(articles: &[Article]) -> Index {
        Index::build_with(articles, Policy::default())
    }

    /// Builds the index from parsed articles and the site owner's policy,
    /// in segments of [`SEGMENT_DOCS`] articles.
    pub fn build_with(articles: &[Article], policy: Policy) -> Index {
        Index::build_segmented(articles, policy, SEGMENT_DOCS)
    }

    /// [`Index::build_with`] in segments of `per_segment` articles (at
    /// least one): how a help centre of many segments ranks can be
    /// measured on a small one (`frontdesk-eval --segment-articles`).
    pub fn build_segmented(articles: &[Article], policy: Policy, per_segment: usize) -> Index {
        let segments = articles
            .chunks(per_segment.clamp(1, MAX_DOCS))
            .map(Segment::build)
            .collect();
        Index::assemble(segments, policy)
    }

    /// The index searching `segments` as one help centre, their articles
    /// in order.
    pub fn assemble(mut segments: Vec<Segment>, policy: Policy) -> Index {
        segments.retain(|s| !s.is_empty());
        let vocabulary =
            Postings::distinct(&segments.iter().map(|s| &s.postings).collect::<Vec<_>>());
        let mut starts = Vec::with_capacity(segments.len() + 1);
        let mut doc_langs = vec![];
        let mut chunk_doc = vec![];
        for s in &mut segments {
            s.bayes.normalize(vocabulary);
            s.chars.prepare();
            starts.push(doc_langs.len());
            for (d, &n) in s.docs.iter().zip(&s.chunks) {
                chunk_doc.extend(std::iter::repeat_n(doc_langs.len() as u32, usize::from(n)));
                doc_langs.push(d.lang);
            }
        }
        starts.push(doc_langs.len());
        let mut langs = doc_langs.clone();
        langs.sort();
        langs.dedup();
        let primary = langs
            .iter()
            .copied()
            .max_by_key(|&l| {
                let n = doc_langs.iter().filter(|&&d| d == l).count();
                // Most articles; on a tie, English, then the first.
                (n, l == Lang::En, std::cmp::Reverse(l))
            })
            .unwrap_or(Lang::En);
        Index {
            segments,
            policy,
            starts,
            doc_langs,
            primary,
            langs,
            chunk_doc,
        }
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The segment of article `doc`, and its number there.
    pub(super) fn locate(&self, doc: usize) -> (&Segment, usize) {
        let s = self.starts.partition_point(|&start| start <= doc) - 1;
        (&self.segments[s], doc - self.starts[s])
    }

    /// Article `doc`.
    pub(super) fn doc(&self, doc: usize) -> &Doc {
        let (s, d) = self.locate(doc);
        &s.docs[d]
    }

    /// Each segment's articles' range in the index's numbering.
    pub(super) fn ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.starts.windows(2).map(|w| w[0]..w[1])
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.doc_langs.len()
    }

    /// Whether it has no articles: then no search finds anything, and
    /// every turn but small talk escalates.
    pub fn is_empty(&self) -> bool {
        self.doc_langs.is_empty()
    }

    /// IDF of a term found in `df` articles.
    pub(super) fn idf_of_df(&self, df: usize) -> f32 {
        let n = self.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Looks the question's terms up, in order.
    pub(super) fn look_up<'a>(&'a self, terms: &[String]) -> Vec<QueryTerm<'a>> {
        terms
            .iter()
            .map(|t| {
                let lists: Vec<List> = self.segments.iter().map(|s| s.postings.get(t)).collect();
                QueryTerm {
                    idf: self.idf_of_df(lists.iter().map(|l| l.docs.len()).sum()),
                    lists,
                }
            })
            .collect()
    }

    pub(super) fn source(&self, doc: usize) -> Source {
        let d = self.doc(doc);
        Source {
            title: d.title.clone(),
            url: d.url.clone(),
        }
    }

    /// What to embed, for semantic retrieval: each article's passages (see
    /// `dense.rs`), articles in index order, with a hash of each text so a
    /// cache can tell when a passage changed.
    /// [`Context::semantic`](super::Context::semantic) holds
    /// one similarity per entry, in this order. Inflates every article:
    /// to find stored vectors, [`Index::passage_hashes`] is enough.
    pub fn embedding_texts(&self) -> Vec<EmbeddingText> {
        self.embedding_texts_of(0..self.passage_count(), &Texts::new())
    }

    /// The [`EmbeddingText`]s of `passages` (positions in
    /// [`Index::embedding_texts`] order, ascending): only their articles
    /// are inflated. `texts` holds those of their articles whose text is
    /// stored apart ([`Index::texts_apart`] of [`Index::passage_docs`]).
    pub fn embedding_texts_of(
        &self,
        passages: impl IntoIterator<Item = usize>,
        texts: &Texts,
    ) -> Vec<EmbeddingText> {
        let mut out = Vec::new();
        // The article last inflated: its first passage and its texts.
        let mut open: Option<(usize, usize, Vec<dense::Chunk>)> = None;
        for p in passages {
            let Some(&doc) = self.chunk_doc.get(p) else {
                break;
            };
            let doc = doc as usize;
            if open.as_ref().is_none_or(|(d, _, _)| *d != doc) {
                let first = self.chunk_doc.partition_point(|&d| (d as usize) < doc);
                open = Some((doc, first, self.doc(doc).chunks(doc, texts)));
            }
            let Some((_, first, chunks)) = &open else {
                continue;
            };
            if let Some(c) = chunks.get(p - first) {
                out.push(EmbeddingText {
                    slug: self.doc(doc).slug.clone(),
                    hash: format!("{:016x}", fnv1a(c.text.as_bytes())),
                    text: c.text.clone(),
                });
            }
        }
        out
    }

    /// The articles of `passages` (positions in [`Index::embedding_texts`]
    /// order), each once, in order.
    pub fn passage_docs(&self, passages: &[usize]) -> Vec<usize> {
        let mut docs: Vec<usize> = passages
            .iter()
            .filter_map(|&p| self.chunk_doc.get(p).map(|&d| d as usize))
            .collect();
        docs.sort_unstable();
        docs.dedup();
        docs
    }

    /// Where the texts of those of `docs` stored apart are: each one's
    /// segment (position in [`Index::segments`]) and byte range in that
    /// segment's texts ([`Segment::take_texts`]). Articles that carry
    /// their own text are left out.
    pub fn texts_apart(&self, docs: &[usize]) -> Vec<TextRef> {
        docs.iter()
            .filter_map(|&doc| {
                let s = self
                    .starts
                    .partition_point(|&start| start <= doc)
                    .checked_sub(1)?;
                let local = doc.checked_sub(self.starts[s])?;
                let segment = self.segments.get(s)?;
                if !segment.docs.get(local)?.passages.is_empty() {
                    return None;
                }
                let end = *segment.text_ends.get(local)?;
                let start = match local {
                    0 => 0,
                    _ => segment.text_ends[local - 1],
                };
                Some(TextRef {
                    doc,
                    segment: s,
                    start: u64::from(start),
                    len: u64::from(end.saturating_sub(start)),
                })
            })
            .collect()
    }

    /// The text hash of every embedded passage ([`EmbeddingText::hash`]),
    /// in [`Index::embedding_texts`] order, without reading any text.
    pub fn passage_hashes(&self) -> Vec<String> {
        self.segments
            .iter()
            .flat_map(|s| &s.hashes)
            .map(|h| format!("{h:016x}"))
            .collect()
    }

    /// The serialized (postcard) size of each part of the index, in bytes,
    /// largest first: what a stored index is made of (`examples/rebuild.rs`).
    pub fn part_sizes(&self) -> Vec<(&'static str, usize)> {
        fn size<T: Serialize>(part: &T) -> usize {
            postcard::to_allocvec(part).map_or(0, |v| v.len())
        }
        let sum = |part: fn(&Segment) -> usize| self.segments.iter().map(part).sum();
        let mut parts = vec![
            ("articles (text, passages)", sum(|s| size(&s.docs))),
            ("postings (BM25F)", sum(|s| size(&s.postings))),
            ("naive Bayes", sum(|s| size(&s.bayes))),
            ("character n-grams", sum(|s| size(&s.chars))),
            ("passages per article", sum(|s| size(&s.chunks))),
            ("passage hashes", sum(|s| s.hashes.len() * 8)),
        ];
        parts.sort_by_key(|p| std::cmp::Reverse(p.1));
        parts
    }

    /// How many passages are embedded: the length of
    /// [`Context::semantic`](super::Context::semantic).
    pub fn passage_count(&self) -> usize {
        self.chunk_doc.len()
    }

    /// The slug of article `doc` (as in [`Hit::doc`](super::Hit::doc) and
    /// [`Verdict::docs`](super::Verdict::docs)).
    pub fn slug(&self, doc: usize) -> &str {
        &self.doc(doc).slug
    }

    /// `term`'s posting for article `doc`, if the article has the term.
    pub(super) fn posting(&self, term: &QueryTerm, doc: usize) -> Option<Posting> {
        let s = self.starts.partition_point(|&start| start <= doc) - 1;
        term.lists[s].get(doc - self.starts[s])
    }
}
