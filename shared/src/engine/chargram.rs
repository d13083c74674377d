//! Character n-gram similarity: each article is the centroid of TF-IDF
//! vectors of its short texts (title, example questions, headings), over
//! 3- to 5-character grams of its words. Robust to inflections, compounds
//! and typos that whole-word matching misses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::bytes::le;
use super::quantize;
use crate::text::words;

const SIZES: [usize; 3] = [3, 4, 5];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CharGrams {
    /// Every gram seen at build time, as its hash, sorted. A gram's position
    /// here is its position in `idf` and `postings`: the hashes are kept
    /// apart from the rest so the per-question binary searches run over a
    /// compact array.
    #[serde(with = "le")]
    hashes: Vec<u32>,
    #[serde(with = "le")]
    idf: Vec<f32>,
    /// Where each gram's postings start in `docs` and `weights` (one entry
    /// more than grams: the last is their length). Flat arrays rather than
    /// a list per gram: a few allocations to load, not one per gram, and no
    /// per-list overhead in memory.
    #[serde(with = "le")]
    starts: Vec<u32>,
    /// Per posting: the article, sorted within a gram's postings.
    #[serde(with = "le")]
    docs: Vec<u16>,
    /// Per posting: its centroid weight, as a multiple of its gram's
    /// `scales` (see [`quantize`]).
    #[serde(with = "le")]
    weights: Vec<u16>,
    #[serde(with = "le")]
    scales: Vec<f32>,
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

/// Gram counts of `text`, sorted by hash: each word padded with spaces,
/// cut into n-grams.
fn grams(text: &str) -> Vec<(u32, f32)> {
    let mut hashes = Vec::new();
    let mut padded: Vec<char> = Vec::new();
    for w in words(text) {
        padded.clear();
        padded.push(' ');
        padded.extend(w.chars());
        padded.push(' ');
        for n in SIZES {
            hashes.extend(padded.windows(n).map(hash));
        }
    }
    hashes.sort_unstable();
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(hashes.len());
    for h in hashes {
        match out.last_mut() {
            Some((last, n)) if *last == h => *n += 1.0,
            _ => out.push((h, 1.0)),
        }
    }
    out
}

/// Sublinear TF × IDF, unit length; grams `idf` does not know are dropped.
fn vector(counts: Vec<(u32, f32)>, idf: impl Fn(u32) -> Option<f32>) -> Vec<(u32, f32)> {
    let mut v: Vec<(u32, f32)> = counts
        .into_iter()
        .filter_map(|(g, tf)| idf(g).map(|w| (g, (1.0 + tf.ln()) * w)))
        .collect();
    normalize(&mut v);
    v
}

fn normalize<T>(v: &mut [(T, f32)]) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, x)| *x /= norm);
    }
}

impl CharGrams {
    /// `docs[i]` holds article i's short texts.
    pub(super) fn build(docs: &[Vec<&str>]) -> CharGrams {
        let snippets: Vec<Vec<Vec<(u32, f32)>>> = docs
            .iter()
            .map(|texts| texts.iter().map(|t| grams(t)).collect())
            .collect();
        let mut df: BTreeMap<u32, u32> = BTreeMap::new();
        let mut n = 0u32;
        for s in snippets.iter().flatten() {
            n += 1;
            for (g, _) in s {
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
                for (g, x) in vector(s, |g| idf.get(&g).copied()) {
                    *centroid.entry(g).or_default() += x;
                }
            }
            let mut c: Vec<(u32, f32)> = centroid.into_iter().collect();
            normalize(&mut c);
            for (g, x) in c {
                postings.entry(g).or_default().push((d as u32, x));
            }
        }
        let mut out = CharGrams {
            hashes: Vec::with_capacity(idf.len()),
            idf: Vec::with_capacity(idf.len()),
            starts: Vec::with_capacity(idf.len() + 1),
            docs: vec![],
            weights: vec![],
            scales: Vec::with_capacity(idf.len()),
            articles: docs.len(),
        };
        for (hash, w) in idf {
            out.hashes.push(hash);
            out.idf.push(w);
            out.starts.push(out.docs.len() as u32);
            let list = postings.remove(&hash).unwrap_or_default();
            let (scale, weights) = quantize(list.iter().map(|p| p.1));
            out.scales.push(scale);
            out.weights.extend(weights);
            out.docs.extend(list.iter().map(|p| p.0 as u16));
        }
        out.starts.push(out.docs.len() as u32);
        out
    }

    /// Cosine similarity of the question to each article's centroid.
    pub(super) fn scores(&self, question: &str) -> Vec<f32> {
        // The question's vector as in `vector`, with each gram looked up
        // once: (gram id, weight).
        let mut v: Vec<(usize, f32)> = grams(question)
            .into_iter()
            .filter_map(|(h, tf)| {
                let g = self.hashes.binary_search(&h).ok()?;
                Some((g, (1.0 + tf.ln()) * self.idf[g]))
            })
            .collect();
        normalize(&mut v);
        let mut score = vec![0.0f32; self.articles];
        // Indexing a slice (not the Vec) keeps the hot loop free of calls
        // when the crate is built for size (opt-level "z"), and unrolling it
        // by hand (LLVM does not at that level) takes a third off its
        // instructions. Each article gets its grams in the same order, so
        // the sums are the same to the bit.
        let s = score.as_mut_slice();
        for (g, x) in v {
            let range = self.starts[g] as usize..self.starts[g + 1] as usize;
            let x = x * self.scales[g];
            let (docs, rest_docs) = self.docs[range.clone()].as_chunks::<4>();
            let (weights, rest_weights) = self.weights[range].as_chunks::<4>();
            for (&[d0, d1, d2, d3], &[w0, w1, w2, w3]) in docs.iter().zip(weights) {
                s[usize::from(d0)] += x * f32::from(w0);
                s[usize::from(d1)] += x * f32::from(w1);
                s[usize::from(d2)] += x * f32::from(w2);
                s[usize::from(d3)] += x * f32::from(w3);
            }
            for (&d, &w) in rest_docs.iter().zip(rest_weights) {
                s[usize::from(d)] += x * f32::from(w);
            }
        }
        score
    }
}
