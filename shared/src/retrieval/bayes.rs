//! Multinomial naive Bayes over an article's words: how likely the question's
//! words are under each article's own vocabulary (its title, example
//! questions and headings, and its body at a lower weight).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::bytes::le;
use super::postings::List;

/// Additive smoothing for unseen words.
const ALPHA: f32 = 0.3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Bayes {
    /// Per posting of the word postings (`postings.rs`, same order): its
    /// gain, as an index into `gains`.
    #[serde(with = "le")]
    gain: Vec<u16>,
    /// Every distinct gain, ln(weighted count + ALPHA) − ln ALPHA, in
    /// increasing order; precomputed so a question costs no logarithms per
    /// posting. Weighted counts are multiples of a quarter, so a help
    /// centre has a few hundred of them: a 16-bit index per posting holds
    /// the exact value in half the memory of an `f32`.
    #[serde(with = "le")]
    gains: Vec<f32>,
    /// Per article: its total weighted count.
    #[serde(with = "le")]
    totals: Vec<f32>,
    /// Per article: ln(total + ALPHA × vocabulary size), where the
    /// vocabulary is the whole index's (all its segments'): set by
    /// [`Bayes::normalize`] when the index is assembled, not stored.
    #[serde(skip)]
    log_norm: Vec<f32>,
}

impl Bayes {
    /// `counts` holds each posting's weighted count, in the word postings'
    /// order; `totals` each article's total. Scores need
    /// [`Bayes::normalize`] first.
    pub(super) fn build(counts: &[f32], totals: Vec<f32>) -> Bayes {
        // Distinct counts, by their bits (positive floats sort as their bits).
        let mut index: BTreeMap<u32, u16> = counts.iter().map(|c| (c.to_bits(), 0)).collect();
        let mut gains = Vec::with_capacity(index.len());
        for (i, (bits, at)) in index.iter_mut().enumerate() {
            // Past 65,536 distinct counts (only a word said some 16,000
            // times in one article), the largest share the last gain.
            *at = u16::try_from(i).unwrap_or(u16::MAX);
            if gains.len() <= usize::from(u16::MAX) {
                gains.push((f32::from_bits(*bits) + ALPHA).ln() - ALPHA.ln());
            }
        }
        Bayes {
            gain: counts.iter().map(|c| index[&c.to_bits()]).collect(),
            gains,
            totals,
            log_norm: vec![],
        }
    }

    /// Sets the vocabulary size the articles' likelihoods are smoothed
    /// over: the number of distinct terms in the whole index.
    pub(super) fn normalize(&mut self, vocabulary: usize) {
        let vocabulary = vocabulary as f32;
        self.log_norm = self
            .totals
            .iter()
            .map(|t| (t + ALPHA * vocabulary).ln())
            .collect();
    }

    /// Writes to `score` (one per article of this segment) the
    /// log-likelihood of the question's `known` terms (those some article
    /// of the index has), given by this segment's postings for them (empty
    /// where none of its articles has the term).
    pub(super) fn scores_into(&self, known: &[List], score: &mut [f32]) {
        let base = ALPHA.ln() * known.len() as f32;
        for (s, n) in score.iter_mut().zip(&self.log_norm) {
            *s = base - n * known.len() as f32;
        }
        // A slice, not the Vec: indexing it compiles to no call even when
        // the crate is built for size; unrolled by hand as in `CharGrams::scores`.
        let s = score;
        let gains = self.gains.as_slice();
        for list in known {
            let (docs, rest_docs) = list.docs.as_chunks::<4>();
            let (gain, rest_gain) = self.gain[list.range()].as_chunks::<4>();
            for (&[d0, d1, d2, d3], &[g0, g1, g2, g3]) in docs.iter().zip(gain) {
                s[usize::from(d0)] += gains[usize::from(g0)];
                s[usize::from(d1)] += gains[usize::from(g1)];
                s[usize::from(d2)] += gains[usize::from(g2)];
                s[usize::from(d3)] += gains[usize::from(g3)];
            }
            for (&d, &g) in rest_docs.iter().zip(rest_gain) {
                s[usize::from(d)] += gains[usize::from(g)];
            }
        }
    }
}
