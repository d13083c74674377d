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
    /// Where each gram's postings start in `postings` (one entry
    /// more than grams: the last is their length). Flat arrays rather than
    /// a list per gram: a few allocations to load, not one per gram, and no
    /// per-list overhead in memory.
    #[serde(with = "le")]
    starts: Vec<u32>,
    /// Per posting: the article (low 16 bits), sorted within a gram's
    /// postings, and its centroid weight (high 16 bits) as a multiple of
    /// its gram's `scales` (see [`quantize`]). One array, not two: a
    /// question reads some 140 short lists per segment, and each list's
    /// start is a fresh read from memory; one stream per list, not two.
    #[serde(with = "le")]
    postings: Vec<u32>,
    #[serde(with = "le")]
    scales: Vec<f32>,
    /// Where the hashes with each value of their top `bits` bits start in
    /// `hashes` (one entry more than values): a question's gram is looked
    /// up in its bucket of a few hashes, not by a binary search over all
    /// of them, whose last steps each miss the cache in a large table
    /// (and it is looked up in every segment). Built when the index
    /// is assembled ([`CharGrams::prepare`]), not stored.
    #[serde(skip)]
    buckets: Vec<u32>,
    #[serde(skip)]
    bits: u32,
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
/// cut into n-grams. A question's are computed once and scored against
/// every segment ([`CharGrams::scores_into`]).
pub(super) fn grams(text: &str) -> Vec<(u32, f32)> {
    grams_of(words(text))
}

/// [`grams`] of a text's words (lowercased and folded: [`words`]).
pub(super) fn grams_of<W: AsRef<str>>(words: impl IntoIterator<Item = W>) -> Vec<(u32, f32)> {
    let mut hashes = Vec::new();
    let mut padded: Vec<char> = Vec::new();
    for w in words {
        padded.clear();
        padded.push(' ');
        padded.extend(w.as_ref().chars());
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
            postings: vec![],
            scales: Vec::with_capacity(idf.len()),
            buckets: vec![],
            bits: 0,
        };
        for (hash, w) in idf {
            out.hashes.push(hash);
            out.idf.push(w);
            out.starts.push(out.postings.len() as u32);
            let list = postings.remove(&hash).unwrap_or_default();
            let (scale, weights) = quantize(list.iter().map(|p| p.1));
            out.scales.push(scale);
            out.postings.extend(
                list.iter()
                    .zip(weights)
                    .map(|(p, w)| u32::from(p.0 as u16) | u32::from(w) << 16),
            );
        }
        out.starts.push(out.postings.len() as u32);
        out
    }

    /// Builds the lookup buckets: about eight hashes per bucket, at most
    /// 2¹⁶ buckets (256 KB).
    pub(super) fn prepare(&mut self) {
        let n = self.hashes.len().max(1);
        self.bits = (usize::BITS - 1 - n.leading_zeros())
            .saturating_sub(3)
            .min(16);
        let buckets = 1usize << self.bits;
        self.buckets = Vec::with_capacity(buckets + 1);
        let mut at = 0;
        for b in 0..buckets {
            while at < self.hashes.len() && (self.bucket(self.hashes[at])) < b {
                at += 1;
            }
            self.buckets.push(at as u32);
        }
        self.buckets.push(self.hashes.len() as u32);
    }

    fn bucket(&self, hash: u32) -> usize {
        if self.bits == 0 {
            0
        } else {
            (hash >> (32 - self.bits)) as usize
        }
    }

    /// The position of gram `hash` in `hashes`.
    fn find(&self, hash: u32) -> Option<usize> {
        let b = self.bucket(hash);
        let (from, to) = (self.buckets[b] as usize, self.buckets[b + 1] as usize);
        self.hashes[from..to]
            .binary_search(&hash)
            .ok()
            .map(|i| from + i)
    }

    /// Writes to `score` (one per article of this segment) the cosine
    /// similarity of the question, given as its [`grams_of`], to
    /// each article's centroid (with this segment's IDF).
    pub(super) fn scores_into(&self, question: &[(u32, f32)], score: &mut [f32]) {
        // The question's vector as in `vector`, with each gram looked up
        // once: (gram id, weight).
        let mut v: Vec<(usize, f32)> = question
            .iter()
            .filter_map(|&(h, tf)| {
                let g = self.find(h)?;
                Some((g, (1.0 + tf.ln()) * self.idf[g]))
            })
            .collect();
        normalize(&mut v);
        score.fill(0.0);
        // Indexing a slice (not the Vec) keeps the hot loop free of calls
        // when the crate is built for size (opt-level "z"), and unrolling it
        // by hand (LLVM does not at that level) takes a third off its
        // instructions. Each article gets its grams in the same order, so
        // the sums are the same to the bit.
        let s = score;
        for (g, x) in v {
            let range = self.starts[g] as usize..self.starts[g + 1] as usize;
            let x = x * self.scales[g];
            // Article (low half) and weight (high half) of a posting.
            let doc = |p: u32| (p & 0xffff) as usize;
            let weight = |p: u32| (p >> 16) as f32;
            let (quads, rest) = self.postings[range].as_chunks::<4>();
            for &[p0, p1, p2, p3] in quads {
                s[doc(p0)] += x * weight(p0);
                s[doc(p1)] += x * weight(p1);
                s[doc(p2)] += x * weight(p2);
                s[doc(p3)] += x * weight(p3);
            }
            for &p in rest {
                s[doc(p)] += x * weight(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_find_every_gram_and_no_other() {
        for n in [0usize, 1, 5, 300, 20_000] {
            let texts: Vec<String> = (0..n).map(|i| format!("w{i} x{}", i * 7919)).collect();
            let docs: Vec<Vec<&str>> = texts.iter().map(|t| vec![t.as_str()]).collect();
            let mut grams = CharGrams::build(&docs);
            grams.prepare();
            for (i, &h) in grams.hashes.iter().enumerate() {
                assert_eq!(grams.find(h), Some(i), "{n} articles, gram {i}");
            }
            for h in [0, 1, u32::MAX, 0x8000_0000, 0x1234_5678] {
                assert_eq!(grams.find(h), grams.hashes.binary_search(&h).ok(), "{h:x}");
            }
        }
    }
}
