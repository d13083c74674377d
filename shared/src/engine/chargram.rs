//! Character n-gram similarity: each article is the centroid of TF-IDF
//! vectors of its short texts (title, example questions, headings), over
//! 3- to 5-character grams of its words. Robust to inflections, compounds
//! and typos that whole-word matching misses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::text::words;

const SIZES: [usize; 3] = [3, 4, 5];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CharGrams {
    /// gram hash → idf.
    idf: BTreeMap<u32, f32>,
    /// gram hash → (article, centroid weight).
    postings: BTreeMap<u32, Vec<(u32, f32)>>,
    articles: usize,
}

/// FNV-1a, 32 bits: grams are stored as hashes to keep the index small.
fn hash(s: &[char]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for c in s {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// Gram counts of `text`: each word padded with spaces, cut into n-grams.
fn grams(text: &str) -> BTreeMap<u32, f32> {
    let mut out = BTreeMap::new();
    for w in words(text) {
        let padded: Vec<char> = std::iter::once(' ')
            .chain(w.chars())
            .chain(std::iter::once(' '))
            .collect();
        for n in SIZES {
            for g in padded.windows(n) {
                *out.entry(hash(g)).or_insert(0.0) += 1.0;
            }
        }
    }
    out
}

/// Sublinear TF × IDF, unit length; grams without an IDF are dropped.
fn vector(counts: BTreeMap<u32, f32>, idf: &BTreeMap<u32, f32>) -> Vec<(u32, f32)> {
    let mut v: Vec<(u32, f32)> = counts
        .into_iter()
        .filter_map(|(g, tf)| idf.get(&g).map(|w| (g, (1.0 + tf.ln()) * w)))
        .collect();
    normalize(&mut v);
    v
}

fn normalize(v: &mut [(u32, f32)]) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, x)| *x /= norm);
    }
}

impl CharGrams {
    /// `docs[i]` holds article i's short texts.
    pub(super) fn build(docs: &[Vec<&str>]) -> CharGrams {
        let snippets: Vec<Vec<BTreeMap<u32, f32>>> = docs
            .iter()
            .map(|texts| texts.iter().map(|t| grams(t)).collect())
            .collect();
        let mut df: BTreeMap<u32, u32> = BTreeMap::new();
        let mut n = 0u32;
        for s in snippets.iter().flatten() {
            n += 1;
            for g in s.keys() {
                *df.entry(*g).or_default() += 1;
            }
        }
        let idf: BTreeMap<u32, f32> = df
            .into_iter()
            .map(|(g, c)| (g, ((n as f32 + 1.0) / (c as f32 + 1.0)).ln() + 1.0))
            .collect();
        let mut postings: BTreeMap<u32, Vec<(u32, f32)>> = BTreeMap::new();
        for (d, texts) in snippets.into_iter().enumerate() {
            let mut centroid: BTreeMap<u32, f32> = BTreeMap::new();
            for s in texts {
                for (g, x) in vector(s, &idf) {
                    *centroid.entry(g).or_default() += x;
                }
            }
            let mut c: Vec<(u32, f32)> = centroid.into_iter().collect();
            normalize(&mut c);
            for (g, x) in c {
                postings.entry(g).or_default().push((d as u32, x));
            }
        }
        CharGrams {
            idf,
            postings,
            articles: docs.len(),
        }
    }

    /// Cosine similarity of the question to each article's centroid.
    pub(super) fn scores(&self, question: &str) -> Vec<f32> {
        let mut score = vec![0.0f32; self.articles];
        for (g, x) in vector(grams(question), &self.idf) {
            for &(d, w) in self.postings.get(&g).map_or(&[][..], Vec::as_slice) {
                score[d as usize] += x * w;
            }
        }
        score
    }
}
