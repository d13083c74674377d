//! The built-in answerer: BM25F retrieval over help articles and a calibrated
//! answer / suggest / escalate decision. Pure: the index is built once per
//! content version (at build time for the bundled help centre, in the admin
//! API's update for uploaded content) and every call is a function of the
//! index and the question. A visitor turn enters through [`Index::turn`]
//! (`turn.rs`), which reads the message analysed once
//! ([`crate::text::Message`]).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod bayes;
mod build;
mod bytes;
mod chargram;
pub mod content;
mod decide;
mod dense;
pub mod kb;
mod postings;
mod rank;
mod thresholds;
mod turn;
mod wording;

pub use thresholds::{HybridSignals, HybridThresholds, Thresholds, Words};
pub use turn::Decided;

use bayes::Bayes;
use chargram::CharGrams;
use postings::{List, Postings};
use rank::mean_sd;

use crate::text::intent::SmallTalk;
use frontdesk_api::wire::{Decision, EscalationReason, Reply, Source};

pub use crate::text::Lang;

/// Fields scored separately, in this order: title, example questions and
/// tags, headings, body; with their weights and length normalisation.
const N_FIELDS: usize = 4;
const WEIGHT: [f32; N_FIELDS] = [3.0, 2.0, 1.5, 1.0];
const B: [f32; N_FIELDS] = [0.5, 0.75, 0.5, 0.75];
const K1: f32 = 1.2;
/// Weights of the standardized naive Bayes and character n-gram scores in
/// the ranking. Tuned on ../shared/eval/banking77 (dev): together they put
/// the right article in the top three for 0.909 of in-scope questions,
/// against 0.875 for BM25F alone, and adding BM25F to them gained nothing.
/// BM25F still decides coverage and robustness.
const FUSION: [f32; 2] = [0.4, 0.6];
/// Per field (title, questions, headings, body): how much a word counts
/// toward an article's vocabulary in the naive Bayes view.
const BAYES_FIELD_WEIGHT: [f32; N_FIELDS] = [1.0, 1.0, 1.0, 0.25];

/// Longest message (in words) read as a possible follow-up to the previous
/// one, or as part of a question sent in several short messages.
const MAX_FOLLOW_UP_WORDS: usize = 8;
/// Most earlier messages a question sent in pieces is joined from.
const MAX_JOINED: usize = 3;
/// After this many bot turns in a row that did not answer, a turn that does
/// not answer either offers a person instead of more suggestions.
const UNHELPFUL_LIMIT: u32 = 2;
/// Weight of the standardized embedding similarity in the fused ranking,
/// beside the lexical views' `FUSION` (which sum to 1). On the dev sets
/// with multilingual-e5-small, right article first / in the top three on
/// arduino: weight 1 → 0.67 / 0.83, 2 → 0.70 / 0.83, 4 → 0.77 / 0.86
/// (banking77: 0.82 / 0.94 at 2 and 4). The model reads paraphrases the
/// words miss; the words still break its near-ties (dense alone: arduino
/// 0.74 / 0.86, banking77 0.78 / 0.93).
const DENSE_WEIGHT: f32 = 4.0;

/// Most articles an index holds: postings name an article by a `u16`,
/// which halves their size (the worker takes at most
/// [`crate::retrieval::content::MAX_ARTICLES`]).
pub const MAX_DOCS: usize = 1 << 16;

/// A list of non-negative weights as 16-bit multiples of one scale (its
/// largest weight / 65,535): half the memory of `f32`, within 1 / 131,070
/// of the largest weight, too little to reorder articles.
fn quantize(weights: impl Iterator<Item = f32> + Clone) -> (f32, Vec<u16>) {
    let max = weights.clone().fold(0.0f32, f32::max);
    let scale = if max > 0.0 {
        max / f32::from(u16::MAX)
    } else {
        1.0
    };
    (scale, weights.map(|w| (w / scale).round() as u16).collect())
}

/// How many ranked articles a search returns (the decision needs three).
pub const MAX_HITS: usize = 10;

/// Longest passage shown as an answer, in characters.
const MAX_ANSWER_CHARS: usize = 900;

/// Most articles in one [`Segment`]: a help centre up to this size is one
/// segment, ranked exactly as one index. The worker rebuilds only the
/// segments a content update touches, so an update's memory and CPU are
/// those of at most this many articles per segment (a 2,000-article build
/// holds some 48 MB and takes ~3 s native; 10,000 at once, 228 MB).
pub const SEGMENT_DOCS: usize = 2_000;

/// A searchable help centre: one or more [`Segment`]s searched as one.
/// Serializable so it can be built once per content version and loaded once
/// per isolate (its segments and policy are stored; the rest is derived
/// when it is assembled).
///
/// Across segments, a question is scored with the whole index's
/// statistics where they are cheap to combine: the word IDF (article
/// counts summed), the naive Bayes vocabulary, and the standardization of
/// every view over all articles. Two stay per segment: the character
/// n-grams' IDF (baked into each article's centroid) and the BM25F
/// average lengths (they only pick the term a lead rests on).
#[derive(Debug, Clone)]
pub struct Index {
    segments: Vec<Segment>,
    policy: Policy,
    /// The first article of each segment, and the number of articles.
    starts: Vec<usize>,
    /// Each article's language.
    doc_langs: Vec<Lang>,
    /// The language most articles are in: questions in a language the help
    /// centre lacks are searched in it.
    primary: Lang,
    /// Every language with at least one article, sorted.
    langs: Vec<Lang>,
    /// The article of each embedded passage, in [`Index::embedding_texts`]
    /// order (an article's passages are consecutive).
    chunk_doc: Vec<u32>,
}

impl Serialize for Index {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.segments, &self.policy).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Index {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Index, D::Error> {
        let (segments, policy) = <(Vec<Segment>, Policy)>::deserialize(d)?;
        Ok(Index::assemble(segments, policy))
    }
}

/// Up to [`SEGMENT_DOCS`] articles with their own postings and views,
/// built on their own ([`Segment::build`]) and stored on their own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Segment {
    docs: Vec<Doc>,
    /// Per term, the articles that have it (BM25F weights; the naive Bayes
    /// view's numbers are in `bayes`, in the same order).
    postings: Postings,
    avg_len: [f32; N_FIELDS],
    bayes: Bayes,
    chars: CharGrams,
    /// How many passages each article has embedded (at most
    /// `dense::MAX_CHUNKS`).
    #[serde(with = "bytes")]
    chunks: Vec<u8>,
    /// Each embedded passage's text hash (FNV-1a), articles in order: what
    /// finds its stored vector. Kept so that a new isolate does not inflate
    /// every article and rebuild every passage's text to look them up
    /// (533 ms and 38 MB of text at 10,000 articles, native).
    #[serde(with = "bytes::le")]
    hashes: Vec<u64>,
    /// When the articles' texts are stored apart ([`Segment::take_texts`]):
    /// where each ends in that store (each starts where the one before
    /// ends). Empty when every article carries its own text.
    #[serde(with = "bytes::le")]
    text_ends: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doc {
    slug: String,
    lang: Lang,
    title: String,
    /// Example questions as written (for embeddings).
    questions: Vec<String>,
    url: String,
    len: [u32; N_FIELDS],
    /// The article's sections (`Vec<Passage>`, postcard), deflated. Only a
    /// reply's articles (and, once per content version, the embedding
    /// texts) read them, so the index keeps every article's text at about
    /// a third of its size, stored and in memory; see [`Doc::passages`].
    #[serde(with = "bytes")]
    passages: Vec<u8>,
}

/// An article's sections from their stored (deflated) bytes. Text that
/// does not inflate (damaged, or not given) reads as an article without
/// text rather than failing the reply.
fn inflate_passages(bytes: &[u8]) -> Vec<Passage> {
    miniz_oxide::inflate::decompress_to_vec(bytes)
        .ok()
        .and_then(|raw| postcard::from_bytes(&raw).ok())
        .unwrap_or_default()
}

/// Texts of articles stored apart ([`Index::texts_apart`]), by article:
/// their deflated bytes as stored.
pub type Texts = BTreeMap<usize, Vec<u8>>;

impl Doc {
    /// The article's sections, inflated: its own, or else its entry in
    /// `texts`.
    fn passages(&self, doc: usize, texts: &Texts) -> Vec<Passage> {
        if self.passages.is_empty() {
            texts
                .get(&doc)
                .map_or_else(Vec::new, |t| inflate_passages(t))
        } else {
            inflate_passages(&self.passages)
        }
    }

    /// This article's passages to embed.
    fn chunks(&self, doc: usize, texts: &Texts) -> Vec<dense::Chunk> {
        dense::chunks(&self.title, &self.questions, &self.passages(doc, texts))
    }
}

/// One section of an article: its heading (empty for the text before the
/// first) and its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Passage {
    heading: String,
    text: String,
}

/// Deflate level for article text: 6 (zlib's default) is within a few
/// percent of the best ratio at a fraction of its time.
const TEXT_LEVEL: u8 = 6;

/// A term in an article, while the index is built.
struct RawPosting {
    doc: u32,
    /// Occurrences per field.
    tf: [u16; N_FIELDS],
    /// The naive Bayes view's weighted count (`BAYES_FIELD_WEIGHT`).
    count: f32,
    /// The passage mask (see [`Posting::passages`](postings::Posting::passages)).
    passages: u8,
}

/// The distinct terms of a passage (heading and text), sorted.
fn passage_terms(terms: impl FnOnce(&str) -> Vec<String>, p: &Passage) -> Vec<String> {
    let mut terms = terms(&format!("{}\n{}", p.heading, p.text));
    terms.sort();
    terms.dedup();
    terms
}

/// What the site owner wants handled a certain way, whatever the articles say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Topics a person always handles (legal matters, billing disputes…): a
    /// message on one escalates at once, even when an article matches.
    pub always_human: Vec<Topic>,
}

/// A named topic and the phrases that identify it. A message is on the topic
/// when it contains every word of one phrase (after stemming, in the
/// message's language), so "I will take legal action" matches "legal action".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// What the topic is called (`legal`, `billing dispute`): the name a
    /// site's settings turn it on by (case-insensitive), and what
    /// [`Verdict::topic`] and the ticket's triage report.
    pub name: String,
    /// The phrases that put a message on the topic, as written in
    /// `frontdesk.toml`, any language mixed: the message and each phrase
    /// are analysed in the message's language.
    pub phrases: Vec<String>,
}

/// What the engine knows about the conversation around a visitor turn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The visitor's earlier messages, oldest first (the last few are enough).
    pub earlier: &'a [&'a str],
    /// How many bot turns in a row, just before this one, did not answer.
    pub unhelpful_streak: u32,
    /// The visitor's preferred language (the widget's locale), used when the
    /// message does not show its own.
    pub locale: Option<Lang>,
    /// Cosine similarity of the message, as typed, to each embedded
    /// passage ([`Index::embedding_texts`] order, [`Index::passage_count`]
    /// values) from an embedding model, when one is configured. Values of
    /// another length (another content version's passages) are ignored.
    pub semantic: Option<&'a [f32]>,
}

/// The embedding model's view of a question, per article.
#[derive(Debug, Clone, Copy)]
struct Dense<'a> {
    /// Similarity per article (see `dense::per_doc`).
    scores: &'a [f32],
    /// Whether the question's words count too: not when it is in a
    /// language the help centre lacks.
    words: bool,
}

/// One ranked article with the signals the decision uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The article: its number in the index, below [`Index::len`] (its
    /// slug: [`Index::slug`]).
    pub doc: usize,
    /// Its fused score: each view's score (naive Bayes, character n-grams
    /// and, with an embedding model, its similarity) in standard deviations
    /// over every article, weighted and summed. Higher is better; it
    /// compares articles for one question only.
    pub score: f32,
    /// IDF-weighted share of the question's terms found in the article.
    pub coverage: f32,
}

/// A question term, looked up in the index once per question: ranking and
/// the robustness check's re-ranking then need no map lookups.
#[derive(Debug, Clone)]
struct QueryTerm<'a> {
    /// Over the whole index.
    idf: f32,
    /// The term's postings in each segment; empty where no article has it.
    lists: Vec<List<'a>>,
}

/// The views of a question that depend on its raw text only: character
/// n-grams and, when an embedding model is configured, its similarity to
/// each article. Computed (and standardized) once per question and shared
/// by the ranking and the robustness check's re-ranking.
struct CharView<'a> {
    /// Character n-gram cosine similarity per article.
    scores: Cow<'a, [f32]>,
    /// The embedding model's similarity per article (see `dense::per_doc`).
    dense: Option<Cow<'a, [f32]>>,
    /// Per article, what the n-gram view adds to the fused score:
    /// `FUSION[1]` × its standardized score. `None` when it adds nothing
    /// (all scores equal).
    fused: Option<Vec<f32>>,
    /// Per article, what the dense view adds: `DENSE_WEIGHT` × its
    /// standardized score.
    dense_fused: Option<Vec<f32>>,
}

impl<'a> CharView<'a> {
    fn new(scores: Cow<'a, [f32]>, dense: Option<Cow<'a, [f32]>>) -> CharView<'a> {
        let part = |values: &[f32], weight: f32| {
            mean_sd(values)
                .filter(|_| weight != 0.0)
                .map(|(mean, sd)| values.iter().map(|x| weight * (x - mean) / sd).collect())
        };
        CharView {
            fused: part(&scores, FUSION[1]),
            dense_fused: dense.as_deref().and_then(|d| part(d, DENSE_WEIGHT)),
            scores,
            dense,
        }
    }
}

/// Where an article's text stored apart is ([`Index::texts_apart`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRef {
    /// The article, as in [`Hit::doc`]: the key its bytes take in [`Texts`].
    pub doc: usize,
    /// The segment's position in [`Index::segments`].
    pub segment: usize,
    /// Where its bytes start in that segment's texts (what
    /// [`Segment::take_texts`] returned, stored apart).
    pub start: u64,
    /// How many bytes it has there, from `start`.
    pub len: u64,
}

/// An article's text for an embedding model; see [`Index::embedding_texts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingText {
    /// The article's slug; an article has one entry per embedded passage,
    /// consecutive.
    pub slug: String,
    /// The passage as the model reads it, lines joined: the article's
    /// title, then up to about 900 characters of its text (consecutive
    /// sections, or a window of a long one) with their headings; the first
    /// passage ends with the example questions.
    pub text: String,
    /// FNV-1a (64-bit) of `text`, 16 lowercase hex digits: what a stored
    /// vector is found by, so only a changed passage is embedded again
    /// (the same as [`Index::passage_hashes`]).
    pub hash: String,
}

/// 64-bit FNV-1a: a stable content hash (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A decided visitor turn: see [`Index::turn`].
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The built-in reply.
    pub reply: Reply,
    /// The question the decision was made on (a follow-up joined to the
    /// messages before it).
    pub question: String,
    /// For answers and suggestions: each article's best passage, in order.
    pub evidence: Vec<Evidence>,
}

/// An article passage a reply rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The article, as the reply cites it (title and URL).
    pub source: Source,
    /// The article's passage nearest the question, plain text: the
    /// embedding model's nearest window when [`Context::semantic`] is
    /// given, else the section that has most of the question's terms (by
    /// IDF). Not clipped (an answer shows at most 900 characters of it);
    /// empty when the article's text could not be read.
    pub text: String,
}

/// What the engine decided, before it is put into words.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What to do: [`Decision::Answer`] with one article in `docs`,
    /// [`Decision::Suggest`] with one to three, [`Decision::Escalate`] and
    /// [`Decision::SmallTalk`] with none.
    pub decision: Decision,
    /// The answer's article, or the suggestions, best first.
    pub docs: Vec<usize>,
    /// Why a person is offered: `Some` exactly when `decision` is
    /// [`Decision::Escalate`].
    pub reason: Option<EscalationReason>,
    /// The language the visitor wrote in (or prefers).
    pub lang: Lang,
    /// What kind of small talk, with [`Decision::SmallTalk`].
    pub small_talk: Option<SmallTalk>,
    /// The always-human topic, with [`EscalationReason::AlwaysHuman`].
    pub topic: Option<String>,
    /// What a hybrid decision rested on (for calibration).
    pub signals: Option<HybridSignals>,
}

#[cfg(test)]
mod tests;
