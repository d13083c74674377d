//! The word views' postings: per term, the articles that have it, with the
//! BM25F weight and what the reply's passage choice needs. The naive Bayes
//! view (`bayes.rs`) names the same (term, article) pairs in the same
//! order, so it keeps only its own numbers, aligned with these.
//!
//! Everything is in a few flat arrays (a string table for the terms, then
//! one entry per posting), stored as little-endian byte strings: decoding
//! a help centre of 10,000 articles is a handful of copies, not a map of
//! tens of thousands of strings and millions of varints.

use std::cmp::Ordering;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::bytes::le;

/// Passages of an article a posting's mask tells apart; one more bit
/// stands for all later ones (an article of more than six sections), which
/// are analysed when a reply needs them. One byte per posting holds the
/// mask and [`STRONG`].
pub(super) const MASKED_PASSAGES: usize = 6;

/// Bit of `flags`: the term is in the article's title or example questions.
const STRONG: u8 = 1 << 7;

/// What a posting tells about one article and term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Posting {
    /// The term's saturated BM25F weight in this article, wtf / (K1 +
    /// wtf): everything but the IDF, computed once at build time.
    pub weight: f32,
    /// The term is in the article's title or example questions.
    pub strong: bool,
    /// Which of the article's passages have the term (heading or text):
    /// bit i for passage i below [`MASKED_PASSAGES`], the next bit for any
    /// later one.
    pub passages: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Postings {
    /// Every term, sorted, one after another: term t is
    /// `terms[ends[t - 1]..ends[t]]`.
    terms: String,
    #[serde(with = "le")]
    ends: Vec<u32>,
    /// Where term t's postings start in the arrays below (one entry more
    /// than terms: the last is their length).
    #[serde(with = "le")]
    starts: Vec<u32>,
    /// Per posting: the article, sorted within a term's postings.
    #[serde(with = "le")]
    docs: Vec<u16>,
    /// Per posting: the BM25F weight (in [0, 1)) × 65,535, rounded. It
    /// only picks the term an article's lead rests on most
    /// (`Index::is_robust`): 1 / 131,070 is far finer than that needs.
    #[serde(with = "le")]
    weights: Vec<u16>,
    /// Per posting: the passage mask, and [`STRONG`].
    #[serde(with = "super::bytes")]
    flags: Vec<u8>,
}

/// One term's postings: slices of the flat arrays, and where they start
/// (the naive Bayes view's numbers for them start there too).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct List<'a> {
    pub start: usize,
    /// The articles, sorted.
    pub docs: &'a [u16],
    weights: &'a [u16],
    flags: &'a [u8],
}

impl List<'_> {
    /// The posting for `doc`, if the article has the term.
    pub(super) fn get(&self, doc: usize) -> Option<Posting> {
        let i = self.docs.binary_search(&u16::try_from(doc).ok()?).ok()?;
        Some(Posting {
            weight: f32::from(self.weights[i]) / f32::from(u16::MAX),
            strong: self.flags[i] & STRONG != 0,
            passages: self.flags[i] & !STRONG,
        })
    }

    /// The postings' positions in the flat arrays.
    pub(super) fn range(&self) -> Range<usize> {
        self.start..self.start + self.docs.len()
    }
}

impl Postings {
    /// From (term, its postings as (article, posting), sorted by article),
    /// in term order.
    pub(super) fn build<'t>(
        terms: impl IntoIterator<Item = (&'t str, Vec<(u32, Posting)>)>,
    ) -> Postings {
        let mut out = Postings {
            terms: String::new(),
            ends: vec![],
            starts: vec![],
            docs: vec![],
            weights: vec![],
            flags: vec![],
        };
        for (term, list) in terms {
            out.terms.push_str(term);
            out.ends.push(out.terms.len() as u32);
            out.starts.push(out.docs.len() as u32);
            for (doc, p) in list {
                out.docs.push(doc as u16);
                out.weights
                    .push((p.weight * f32::from(u16::MAX)).round() as u16);
                out.flags
                    .push(p.passages | if p.strong { STRONG } else { 0 });
            }
        }
        out.starts.push(out.docs.len() as u32);
        out
    }

    /// How many terms.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// How many distinct terms the tables have between them: each is
    /// sorted, so one merging pass counts them (the whole index's
    /// vocabulary, from its segments').
    pub(super) fn distinct(tables: &[&Postings]) -> usize {
        let mut at = vec![0usize; tables.len()];
        let mut count = 0;
        loop {
            // The smallest term any table is at.
            let least = tables
                .iter()
                .zip(&at)
                .filter(|(p, &i)| i < p.len())
                .map(|(p, &i)| p.term(i))
                .min();
            let Some(least) = least else {
                return count;
            };
            count += 1;
            for (p, i) in tables.iter().zip(at.iter_mut()) {
                if *i < p.len() && p.term(*i) == least {
                    *i += 1;
                }
            }
        }
    }

    /// Term `t`'s text.
    fn term(&self, t: usize) -> &str {
        let start = if t == 0 { 0 } else { self.ends[t - 1] as usize };
        &self.terms[start..self.ends[t] as usize]
    }

    /// The position of `term` in the sorted table.
    fn find(&self, term: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.term(mid).cmp(term) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// A term's postings: empty when no article has it.
    pub(super) fn get(&self, term: &str) -> List<'_> {
        let Some(t) = self.find(term) else {
            return List::default();
        };
        let range = self.starts[t] as usize..self.starts[t + 1] as usize;
        List {
            start: range.start,
            docs: &self.docs[range.clone()],
            weights: &self.weights[range.clone()],
            flags: &self.flags[range],
        }
    }
}
