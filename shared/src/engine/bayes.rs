//! Multinomial naive Bayes over an article's words: how likely the question's
//! words are under each article's own vocabulary (its title, example
//! questions and headings, and its body at a lower weight).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Additive smoothing for unseen words.
const ALPHA: f32 = 0.3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Bayes {
    /// term → (article, ln(weighted count + ALPHA) − ln ALPHA), sorted by
    /// article; precomputed so a question costs no logarithms per posting.
    postings: BTreeMap<String, Vec<(u32, f32)>>,
    /// Per article: ln(total weighted count + ALPHA × vocabulary size).
    log_norm: Vec<f32>,
}

impl Bayes {
    /// `docs[i]` lists article i's terms with their weights.
    pub(super) fn build(docs: &[Vec<(&str, f32)>]) -> Bayes {
        let mut postings: BTreeMap<String, BTreeMap<u32, f32>> = BTreeMap::new();
        let mut totals = vec![0.0f32; docs.len()];
        for (d, terms) in docs.iter().enumerate() {
            for &(t, w) in terms {
                *postings
                    .entry(t.to_owned())
                    .or_default()
                    .entry(d as u32)
                    .or_default() += w;
                totals[d] += w;
            }
        }
        let vocabulary = postings.len() as f32;
        Bayes {
            postings: postings
                .into_iter()
                .map(|(t, m)| {
                    let list = m
                        .into_iter()
                        .map(|(d, c)| (d, (c + ALPHA).ln() - ALPHA.ln()));
                    (t, list.collect())
                })
                .collect(),
            log_norm: totals
                .iter()
                .map(|t| (t + ALPHA * vocabulary).ln())
                .collect(),
        }
    }

    /// A term's postings: (article, gain), sorted by article. `None` for a
    /// term no article has. Looked up once per question term, so the
    /// robustness check can rescore without the lookups.
    pub(super) fn postings(&self, term: &str) -> Option<&[(u32, f32)]> {
        self.postings.get(term).map(Vec::as_slice)
    }

    /// Log-likelihood of the question's known terms, given by their
    /// [`Bayes::postings`], under each article.
    pub(super) fn scores(&self, known: &[&[(u32, f32)]]) -> Vec<f32> {
        let base = ALPHA.ln() * known.len() as f32;
        let mut score: Vec<f32> = self
            .log_norm
            .iter()
            .map(|n| base - n * known.len() as f32)
            .collect();
        // A slice, not the Vec: indexing it compiles to no call even when
        // the crate is built for size; unrolled by hand as in `CharGrams::scores`.
        let s = score.as_mut_slice();
        for list in known {
            let (quads, rest) = list.as_chunks::<4>();
            for &[(d0, w0), (d1, w1), (d2, w2), (d3, w3)] in quads {
                s[d0 as usize] += w0;
                s[d1 as usize] += w1;
                s[d2 as usize] += w2;
                s[d3 as usize] += w3;
            }
            for &(d, gain) in rest {
                s[d as usize] += gain;
            }
        }
        score
    }
}
