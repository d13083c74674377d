//! Ranking: the lexical views (BM25F coverage, naive Bayes, character
//! n-grams) and the dense one, standardized and fused, and the passage a
//! reply shows.

use std::borrow::Cow;

use super::dense;
use super::postings::MASKED_PASSAGES;
use super::turn::Query;
use super::{
    chargram, passage_terms, CharView, Hit, Index, Passage, QueryTerm, B, FUSION, K1, MAX_HITS,
    N_FIELDS, WEIGHT,
};
use crate::text::{Analyzer, Lang, Message};

impl Index {
    /// The best [`MAX_HITS`] articles, best first, with coverage of the
    /// question (analysed in the help centre's main language), fused with
    /// an embedding model's similarity of the question to each passage
    /// ([`Index::embedding_texts`] order) when `semantic` is given and of
    /// the right length. Retrieval alone, whatever a turn would decide (the
    /// evaluation's recall).
    pub fn search(&self, question: &str, semantic: Option<&[f32]>) -> Vec<Hit> {
        let dense = semantic.and_then(|s| self.dense_scores(s));
        let question = Query::new(Message::new(question));
        // As in a turn: across languages the embedding model ranks alone.
        let words = dense.is_none()
            || question
                .message
                .lang()
                .is_none_or(|l| self.langs.contains(&l));
        let (terms, chars) = if words {
            (question.message.terms(self.primary), question.chars(self))
        } else {
            (&[][..], Cow::Owned(vec![0.0; self.len()]))
        };
        let chars = CharView::new(chars, dense.map(Cow::Owned));
        self.rank(&self.look_up(terms), &chars, None)
    }

    /// Per article, its embedding similarity from one similarity per
    /// passage: the mean of its first passage's and its nearest passage's;
    /// `None` if `semantic` does not fit this index (another content
    /// version's vectors).
    /// A view with no spread (all articles equally similar: a model that
    /// sees nothing in the question) is no signal, and `None` too.
    pub fn dense_scores(&self, semantic: &[f32]) -> Option<Vec<f32>> {
        dense::per_doc(&self.chunk_doc, self.len(), semantic)
            .filter(|scores| mean_sd(scores).is_some())
    }

    /// Per article, the character n-gram similarity of a question, given
    /// its words ([`Message::words`]), each segment with its own gram IDF.
    pub(super) fn char_scores(&self, words: &[String]) -> Vec<f32> {
        let grams = chargram::grams_of(words);
        let mut scores = vec![0.0f32; self.len()];
        for (s, range) in self.segments.iter().zip(self.ranges()) {
            s.chars.scores_into(&grams, &mut scores[range]);
        }
        scores
    }

    /// Per article, the IDF mass of the question's terms it contains.
    pub(super) fn covered(&self, terms: &[QueryTerm]) -> Vec<f32> {
        let mut covered = vec![0.0f32; self.len()];
        for (s, range) in self.ranges().enumerate() {
            // A slice, not the Vec: indexing it compiles to no call even
            // when the crate is built for size (opt-level "z"); unrolled by
            // hand as in `CharGrams::scores_into`.
            let c = &mut covered[range];
            for t in terms {
                let (quads, rest) = t.lists[s].docs.as_chunks::<4>();
                for &[d0, d1, d2, d3] in quads {
                    c[usize::from(d0)] += t.idf;
                    c[usize::from(d1)] += t.idf;
                    c[usize::from(d2)] += t.idf;
                    c[usize::from(d3)] += t.idf;
                }
                for &d in rest {
                    c[usize::from(d)] += t.idf;
                }
            }
        }
        covered
    }

    /// Per article, the naive Bayes log-likelihood of the question's terms
    /// that some article has.
    pub(super) fn bayes_scores(&self, terms: &[QueryTerm]) -> Vec<f32> {
        let known: Vec<&QueryTerm> = terms
            .iter()
            .filter(|t| t.lists.iter().any(|l| !l.docs.is_empty()))
            .collect();
        let mut scores = vec![0.0f32; self.len()];
        let mut lists = Vec::with_capacity(known.len());
        for (s, (seg, range)) in self.segments.iter().zip(self.ranges()).enumerate() {
            lists.clear();
            lists.extend(known.iter().map(|t| t.lists[s]));
            seg.bayes.scores_into(&lists, &mut scores[range]);
        }
        scores
    }

    /// Ranks articles by the standardized sum of two views of the question:
    /// word likelihood (naive Bayes) and character n-grams. Only articles
    /// sharing a word or a gram with the question are ranked.
    /// `chars` depends on the raw question only, so callers compute it once.
    /// `only` keeps articles in one language (multilingual help centres);
    /// the standardization still runs over every article.
    fn rank(&self, terms: &[QueryTerm], chars: &CharView, only: Option<Lang>) -> Vec<Hit> {
        self.rank_both(terms, chars, only).0
    }

    /// [`Index::rank`], and the article the lexical views alone (without
    /// the dense one) rank first, with its lexical score, found in the same
    /// pass.
    pub(super) fn rank_both(
        &self,
        terms: &[QueryTerm],
        chars: &CharView,
        only: Option<Lang>,
    ) -> (Vec<Hit>, Option<Hit>) {
        let total_idf: f32 = terms.iter().map(|t| t.idf).sum();
        let covered = self.covered(terms);
        let bayes = self.bayes_scores(terms);
        let mut lexical = vec![0.0f32; self.len()];
        add_standardized(&mut lexical, &bayes, FUSION[0]);
        if let Some(part) = &chars.fused {
            for (a, x) in lexical.iter_mut().zip(part) {
                *a += x;
            }
        }
        let dense = chars.dense_fused.as_deref();
        // One pass keeping the best MAX_HITS in order (insertion into a
        // short list) rather than collecting every article and selecting:
        // the same hits, as the order is total (ties go to the lower doc).
        let order = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
        let mut hits: Vec<Hit> = Vec::with_capacity(MAX_HITS + 1);
        let mut lexical_top: Option<Hit> = None;
        let coverage = |covered: f32| {
            if total_idf > 0.0 {
                covered / total_idf
            } else {
                0.0
            }
        };
        let candidates = lexical
            .iter()
            .zip(&covered)
            .zip(chars.scores.iter())
            .enumerate();
        for (d, ((&lex, &covered), &char_score)) in candidates {
            let words = covered > 0.0 || char_score > 0.0;
            if !(words || chars.dense.is_some()) || only.is_some_and(|l| self.doc_langs[d] != l) {
                continue;
            }
            if words && lexical_top.is_none_or(|best| lex > best.score) {
                lexical_top = Some(Hit {
                    doc: d,
                    score: lex,
                    coverage: coverage(covered),
                });
            }
            let score = lex + dense.map_or(0.0, |p| p[d]);
            // Docs come in increasing order, so a tie with the last kept hit
            // ranks below it.
            if hits.len() == MAX_HITS && hits[MAX_HITS - 1].score.total_cmp(&score).is_ge() {
                continue;
            }
            let hit = Hit {
                doc: d,
                score,
                coverage: coverage(covered),
            };
            let at = hits.partition_point(|h| order(h, &hit).is_lt());
            hits.insert(at, hit);
            hits.truncate(MAX_HITS);
        }
        (hits, lexical_top)
    }

    /// Whether `doc` still ranks first without the query term that helps it
    /// most. A lead that rests on one term (often a rare word in a side
    /// remark) is not enough to answer from. A one-term question is robust
    /// only when the term is in the article's title or example questions.
    pub(super) fn is_robust(
        &self,
        doc: usize,
        terms: &[QueryTerm],
        chars: &CharView,
        only: Option<Lang>,
    ) -> bool {
        if let [term] = terms {
            // One word is enough only if the article is about it (its title
            // or example questions say it), not if it merely mentions it.
            return self.posting(term, doc).is_some_and(|p| p.strong);
        }
        let strongest = terms
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((i, t.idf * self.posting(t, doc)?.weight)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        let Some(strongest) = strongest else {
            return false;
        };
        let rest: Vec<QueryTerm> = terms
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != strongest)
            .map(|(_, t)| t.clone())
            .collect();
        self.rank(&rest, chars, only)
            .first()
            .is_none_or(|h| h.doc == doc)
    }

    /// The window of `doc`'s text the embedding model puts nearest the
    /// question, given one similarity per passage; `None` when `semantic`
    /// does not fit the index or the article has no text.
    pub(super) fn nearest_window(
        &self,
        doc: usize,
        semantic: &[f32],
        passages: &[Passage],
    ) -> Option<String> {
        if semantic.len() != self.chunk_doc.len() {
            return None;
        }
        let start = self.chunk_doc.partition_point(|&d| (d as usize) < doc);
        let end = self.chunk_doc.partition_point(|&d| (d as usize) <= doc);
        let nearest =
            (start..end).max_by(|&a, &b| semantic[a].total_cmp(&semantic[b]).then(b.cmp(&a)))?;
        let d = self.doc(doc);
        let chunk = dense::chunks(&d.title, &d.questions, passages)
            .into_iter()
            .nth(nearest - start)?;
        let text = dense::chunk_text(&chunk, passages);
        (!text.is_empty()).then_some(text)
    }

    /// The passage of `doc` that best covers the question's terms (the
    /// IDF of those it has), told by the postings' passage masks.
    pub(super) fn best_passage(
        &self,
        doc: usize,
        terms: &[String],
        passages: &[Passage],
    ) -> String {
        let (segment, local) = self.locate(doc);
        let d = &segment.docs[local];
        // (IDF, passage mask) of each question term the article has, in the
        // question's order (the order the weights were always summed in).
        let wanted: Vec<(&str, f32, u8)> = terms
            .iter()
            .filter_map(|t| {
                let posting = segment.postings.get(t).get(local)?;
                let df = self.segments.iter().map(|s| s.postings.get(t).docs.len());
                Some((t.as_str(), self.idf_of_df(df.sum()), posting.passages))
            })
            .collect();
        let analyzer = Analyzer::new(d.lang);
        let mut best: (Option<&Passage>, f32) = (None, -1.0);
        for (i, p) in passages.iter().enumerate() {
            if p.text.is_empty() {
                continue;
            }
            let bit = 1 << i.min(MASKED_PASSAGES);
            // Past the masked passages, the mask only says some later one
            // has the term: this passage's own terms tell.
            let own = (i >= MASKED_PASSAGES && wanted.iter().any(|w| w.2 & bit != 0))
                .then(|| passage_terms(|text| analyzer.terms(text), p));
            let w: f32 = wanted
                .iter()
                .filter(|(t, _, mask)| {
                    mask & bit != 0
                        && own
                            .as_ref()
                            .is_none_or(|own| own.binary_search_by(|o| o.as_str().cmp(t)).is_ok())
                })
                .map(|(_, idf, _)| idf)
                .sum();
            if w > best.1 {
                best = (Some(p), w);
            }
        }
        best.0.map_or_else(String::new, |p| p.text.clone())
    }
}

/// Adds `weight × (x − mean) / sd` of `scores` to `acc`.
pub(super) fn add_standardized(acc: &mut [f32], scores: &[f32], weight: f32) {
    if weight == 0.0 {
        return;
    }
    if let Some((mean, sd)) = mean_sd(scores) {
        for (a, x) in acc.iter_mut().zip(scores) {
            *a += weight * (x - mean) / sd;
        }
    }
}

/// Mean and standard deviation of `scores`; `None` when there are none or
/// they are all equal, and standardizing them is undefined.
pub(super) fn mean_sd(scores: &[f32]) -> Option<(f32, f32)> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as f32;
    let mean = scores.iter().sum::<f32>() / n;
    let sd = (scores.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n).sqrt();
    (sd > 0.0).then_some((mean, sd))
}

/// BM25F: field term frequencies, weighted and length-normalized, summed,
/// then saturated.
pub(super) fn saturated_weight(
    tf: &[u16; N_FIELDS],
    len: &[u32; N_FIELDS],
    avg_len: &[f32; N_FIELDS],
) -> f32 {
    let wtf: f32 = (0..N_FIELDS)
        .map(|f| {
            let norm = 1.0 - B[f] + B[f] * len[f] as f32 / avg_len[f];
            WEIGHT[f] * f32::from(tf[f]) / norm
        })
        .sum();
    wtf / (K1 + wtf)
}
