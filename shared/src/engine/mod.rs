//! The built-in answerer: BM25F retrieval over help articles and a calibrated
//! answer / suggest / escalate decision. Pure: the index is built once (at
//! build time) and every call is a function of the index and the question.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod bayes;
mod chargram;

use bayes::Bayes;
use chargram::CharGrams;

use crate::intent::wants_person;
use crate::kb::Article;
use crate::text::{words, Analyzer};
use crate::wire::{Decision, EscalationReason, Reply, Source};

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

/// Longest message (in words) read as a possible follow-up to the previous one.
const MAX_FOLLOW_UP_WORDS: usize = 8;

/// How many ranked articles a search returns (the decision needs three).
pub const MAX_HITS: usize = 10;

/// Longest passage shown as an answer, in characters.
const MAX_ANSWER_CHARS: usize = 900;

/// A searchable help centre. Serializable so it can be built at build time
/// and loaded once per isolate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    docs: Vec<Doc>,
    /// term → postings, sorted by doc.
    postings: BTreeMap<String, Vec<Posting>>,
    avg_len: [f32; N_FIELDS],
    bayes: Bayes,
    chars: CharGrams,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doc {
    slug: String,
    title: String,
    url: String,
    len: [u32; N_FIELDS],
    passages: Vec<Passage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Passage {
    text: String,
    /// Distinct terms of heading and text.
    terms: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Posting {
    doc: u32,
    /// The term's saturated BM25F weight in this article, wtf / (K1 + wtf):
    /// everything but the IDF, computed once at build time.
    weight: f32,
    /// The term is in the article's title or example questions.
    strong: bool,
}

/// When to answer, suggest or escalate. See [`Thresholds::default`] for the
/// calibrated values and `tests/decisions.rs` for the data they were tuned on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Share of the question's weight (IDF) the best article must cover to answer.
    pub answer_coverage: f32,
    /// How far (in standard deviations of the fused score) the best article
    /// must lead the runner-up to answer.
    pub answer_lead: f32,
    /// Share of the question's weight the best article must cover for the
    /// top three to be suggested; below it, the bot offers a person.
    pub suggest_coverage: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            answer_coverage: 0.7,
            answer_lead: 1.5,
            suggest_coverage: 0.1,
        }
    }
}

/// One ranked article with the signals the decision uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: usize,
    pub score: f32,
    /// IDF-weighted share of the question's terms found in the article.
    pub coverage: f32,
}

/// A question term, looked up in the index once per question: ranking and
/// the robustness check's re-ranking then need no map lookups.
#[derive(Debug, Clone, Copy)]
struct QueryTerm<'a> {
    idf: f32,
    /// BM25F postings, sorted by doc; empty when no article has the term.
    postings: &'a [Posting],
    /// Naive Bayes postings; `None` when no article has the term.
    bayes: Option<&'a [(u32, f32)]>,
}

impl<'a> QueryTerm<'a> {
    /// The term's posting for `doc`, if the article has the term.
    fn posting(&self, doc: usize) -> Option<&'a Posting> {
        // Postings are sorted by doc.
        let i = self
            .postings
            .binary_search_by_key(&(doc as u32), |p| p.doc)
            .ok()?;
        Some(&self.postings[i])
    }
}

/// The character n-gram view of a question. It depends on the raw question
/// only, so it is computed (and standardized) once per question and shared
/// by the ranking and the robustness check's re-ranking.
struct CharView {
    /// Cosine similarity per article.
    scores: Vec<f32>,
    /// Per article, `FUSION[1]` × the standardized score: what the view adds
    /// to the fused score. `None` when it adds nothing (all scores equal).
    fused: Option<Vec<f32>>,
}

impl CharView {
    fn new(scores: Vec<f32>) -> CharView {
        let fused = mean_sd(&scores)
            .filter(|_| FUSION[1] != 0.0)
            .map(|(mean, sd)| scores.iter().map(|x| FUSION[1] * (x - mean) / sd).collect());
        CharView { scores, fused }
    }
}

impl Index {
    /// Builds the index from parsed articles.
    pub fn build(articles: &[Article]) -> Index {
        let analyzer = Analyzer::default();
        let mut raw_postings: BTreeMap<String, Vec<(u32, [u16; N_FIELDS])>> = BTreeMap::new();
        let mut docs = Vec::with_capacity(articles.len());
        let mut word_docs: Vec<Vec<(String, f32)>> = Vec::with_capacity(articles.len());
        let mut snippets: Vec<Vec<&str>> = Vec::with_capacity(articles.len());
        for (i, a) in articles.iter().enumerate() {
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
            word_docs.push(
                fields
                    .iter()
                    .zip(BAYES_FIELD_WEIGHT)
                    .flat_map(|(terms, w)| terms.iter().map(move |t| (t.clone(), w)))
                    .collect(),
            );
            let mut texts: Vec<&str> = vec![a.title.as_str()];
            texts.extend(a.questions.iter().map(String::as_str));
            texts.extend(headings.iter().copied());
            if a.questions.is_empty() {
                texts.extend(body.iter().copied());
            }
            snippets.push(texts);
            let mut tf: BTreeMap<&str, [u16; N_FIELDS]> = BTreeMap::new();
            for (f, terms) in fields.iter().enumerate() {
                for t in terms {
                    let e = tf.entry(t.as_str()).or_default();
                    e[f] = e[f].saturating_add(1);
                }
            }
            for (term, tf) in tf {
                raw_postings
                    .entry(term.to_owned())
                    .or_default()
                    .push((i as u32, tf));
            }
            let passages = a
                .sections
                .iter()
                .map(|s| {
                    let mut terms = analyzer.terms(&format!(
                        "{}\n{}",
                        s.heading.as_deref().unwrap_or(""),
                        s.text
                    ));
                    terms.sort();
                    terms.dedup();
                    Passage {
                        text: s.text.clone(),
                        terms,
                    }
                })
                .collect();
            docs.push(Doc {
                slug: a.slug.clone(),
                title: a.title.clone(),
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
        let postings: BTreeMap<String, Vec<Posting>> = raw_postings
            .into_iter()
            .map(|(term, list)| {
                let list = list
                    .into_iter()
                    .map(|(doc, tf)| Posting {
                        doc,
                        weight: saturated_weight(&tf, &docs[doc as usize].len, &avg_len),
                        strong: tf[0] > 0 || tf[1] > 0,
                    })
                    .collect();
                (term, list)
            })
            .collect();
        let word_refs: Vec<Vec<(&str, f32)>> = word_docs
            .iter()
            .map(|d| d.iter().map(|(t, w)| (t.as_str(), *w)).collect())
            .collect();
        Index {
            docs,
            postings,
            avg_len,
            bayes: Bayes::build(&word_refs),
            chars: CharGrams::build(&snippets),
        }
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn idf(&self, term: &str) -> f32 {
        self.idf_of_df(self.postings.get(term).map_or(0, Vec::len))
    }

    /// IDF of a term found in `df` articles.
    fn idf_of_df(&self, df: usize) -> f32 {
        let n = self.docs.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Looks the question's terms up, in order.
    fn look_up<'a>(&'a self, terms: &[String]) -> Vec<QueryTerm<'a>> {
        terms
            .iter()
            .map(|t| {
                let postings = self.postings.get(t).map_or(&[][..], Vec::as_slice);
                QueryTerm {
                    idf: self.idf_of_df(postings.len()),
                    postings,
                    bayes: self.bayes.postings(t),
                }
            })
            .collect()
    }

    /// The best [`MAX_HITS`] articles, best first, with coverage of the question.
    pub fn search(&self, question: &str) -> Vec<Hit> {
        let terms = query_terms(question);
        let chars = CharView::new(self.chars.scores(question));
        self.rank(&self.look_up(&terms), &chars)
    }

    /// Per article, the IDF mass of the question's terms it contains.
    fn covered(&self, terms: &[QueryTerm]) -> Vec<f32> {
        let mut covered = vec![0.0f32; self.docs.len()];
        // A slice, not the Vec: indexing it compiles to no call even when
        // the crate is built for size (opt-level "z"); unrolled by hand as
        // in `CharGrams::scores`.
        let c = covered.as_mut_slice();
        for t in terms {
            let (quads, rest) = t.postings.as_chunks::<4>();
            for [p0, p1, p2, p3] in quads {
                c[p0.doc as usize] += t.idf;
                c[p1.doc as usize] += t.idf;
                c[p2.doc as usize] += t.idf;
                c[p3.doc as usize] += t.idf;
            }
            for p in rest {
                c[p.doc as usize] += t.idf;
            }
        }
        covered
    }

    /// Ranks articles by the standardized sum of two views of the question:
    /// word likelihood (naive Bayes) and character n-grams. Only articles
    /// sharing a word or a gram with the question are ranked.
    /// `chars` depends on the raw question only, so callers compute it once.
    fn rank(&self, terms: &[QueryTerm], chars: &CharView) -> Vec<Hit> {
        let total_idf: f32 = terms.iter().map(|t| t.idf).sum();
        let covered = self.covered(terms);
        let known: Vec<&[(u32, f32)]> = terms.iter().filter_map(|t| t.bayes).collect();
        let bayes = self.bayes.scores(&known);
        let mut fused = vec![0.0f32; self.docs.len()];
        add_standardized(&mut fused, &bayes, FUSION[0]);
        if let Some(part) = &chars.fused {
            for (a, x) in fused.iter_mut().zip(part) {
                *a += x;
            }
        }
        // One pass keeping the best MAX_HITS in order (insertion into a
        // short list) rather than collecting every article and selecting:
        // the same hits, as the order is total (ties go to the lower doc).
        let order = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
        let mut hits: Vec<Hit> = Vec::with_capacity(MAX_HITS + 1);
        let candidates = fused.iter().zip(&covered).zip(&chars.scores).enumerate();
        for (d, ((&score, &covered), &chars)) in candidates {
            if !(covered > 0.0 || chars > 0.0) {
                continue;
            }
            // Docs come in increasing order, so a tie with the last kept hit
            // ranks below it.
            if hits.len() == MAX_HITS && hits[MAX_HITS - 1].score.total_cmp(&score).is_ge() {
                continue;
            }
            let hit = Hit {
                doc: d,
                score,
                coverage: if total_idf > 0.0 {
                    covered / total_idf
                } else {
                    0.0
                },
            };
            let at = hits.partition_point(|h| order(h, &hit).is_lt());
            hits.insert(at, hit);
            hits.truncate(MAX_HITS);
        }
        hits
    }

    /// Whether `doc` still ranks first without the query term that helps it
    /// most. A lead that rests on one term (often a rare word in a side
    /// remark) is not enough to answer from. A one-term question is robust
    /// only when the term is in the article's title or example questions.
    fn is_robust(&self, doc: usize, terms: &[QueryTerm], chars: &CharView) -> bool {
        if let [term] = terms {
            // One word is enough only if the article is about it (its title
            // or example questions say it), not if it merely mentions it.
            return term.posting(doc).is_some_and(|p| p.strong);
        }
        let strongest = terms
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((i, t.idf * t.posting(doc)?.weight)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        let Some(strongest) = strongest else {
            return false;
        };
        let rest: Vec<QueryTerm> = terms
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != strongest)
            .map(|(_, t)| *t)
            .collect();
        self.rank(&rest, chars).first().is_none_or(|h| h.doc == doc)
    }

    /// The passage of `doc` that best covers the question's terms.
    fn best_passage(&self, doc: usize, terms: &[String]) -> &str {
        let d = &self.docs[doc];
        let weight = |p: &Passage| -> f32 {
            terms
                .iter()
                .filter(|t| p.terms.binary_search(t).is_ok())
                .map(|t| self.idf(t))
                .sum()
        };
        d.passages
            .iter()
            .filter(|p| !p.text.is_empty())
            .fold((None, -1.0f32), |(best, best_w), p| {
                let w = weight(p);
                if w > best_w {
                    (Some(p), w)
                } else {
                    (best, best_w)
                }
            })
            .0
            .map_or("", |p| p.text.as_str())
    }

    fn source(&self, doc: usize) -> Source {
        let d = &self.docs[doc];
        Source {
            title: d.title.clone(),
            url: d.url.clone(),
        }
    }

    /// The slug of article `doc` (as in [`Hit::doc`] and [`Verdict::docs`]).
    pub fn slug(&self, doc: usize) -> &str {
        &self.docs[doc].slug
    }

    /// The decision for one visitor message, with the articles behind it.
    pub fn decide(&self, message: &str, th: &Thresholds) -> Verdict {
        let escalate = |reason| Verdict {
            decision: Decision::Escalate,
            docs: vec![],
            reason: Some(reason),
        };
        if wants_person(message) {
            return escalate(EscalationReason::Requested);
        }
        let terms = query_terms(message);
        let terms = self.look_up(&terms);
        let chars = CharView::new(self.chars.scores(message));
        let hits = self.rank(&terms, &chars);
        let Some(top) = hits.first() else {
            return escalate(EscalationReason::NoMatch);
        };
        let lead = hits.get(1).map_or(f32::INFINITY, |h| top.score - h.score);
        if top.coverage >= th.answer_coverage
            && lead >= th.answer_lead
            && self.is_robust(top.doc, &terms, &chars)
        {
            return Verdict {
                decision: Decision::Answer,
                docs: vec![top.doc],
                reason: None,
            };
        }
        if top.coverage < th.suggest_coverage {
            return escalate(EscalationReason::NoMatch);
        }
        let docs: Vec<usize> = hits.iter().take(3).map(|h| h.doc).collect();
        Verdict {
            decision: Decision::Suggest,
            docs,
            reason: None,
        }
    }

    /// The decision for a visitor turn read with the visitor's earlier
    /// messages in this conversation (oldest first), and the question it was
    /// decided on. A short follow-up ("and as PDF?") or the second half of a
    /// question sent in two messages is joined to the previous message when
    /// that gives a better decision; a full new question stands alone.
    pub fn decide_in_context<'a>(
        &self,
        message: &'a str,
        earlier: &[&str],
        th: &Thresholds,
    ) -> (Verdict, Cow<'a, str>) {
        let alone = self.decide(message, th);
        let Some(previous) = earlier.last() else {
            return (alone, Cow::Borrowed(message));
        };
        if alone.reason == Some(EscalationReason::Requested)
            || words(message).count() > MAX_FOLLOW_UP_WORDS
        {
            return (alone, Cow::Borrowed(message));
        }
        let joined = format!("{previous}\n{message}");
        let together = self.decide(&joined, th);
        match (alone.decision, together.decision) {
            // Read alone and read as a follow-up, the turn points to two
            // different articles: not confident enough to answer either.
            (Decision::Answer, Decision::Answer) if alone.docs != together.docs => {
                let mut docs = together.docs;
                docs.extend(alone.docs);
                let verdict = Verdict {
                    decision: Decision::Suggest,
                    docs,
                    reason: None,
                };
                (verdict, Cow::Owned(joined))
            }
            (Decision::Answer, _) => (alone, Cow::Borrowed(message)),
            (_, Decision::Answer) | (Decision::Escalate, Decision::Suggest) => {
                (together, Cow::Owned(joined))
            }
            _ => (alone, Cow::Borrowed(message)),
        }
    }

    /// Decides what to say to one visitor message, and words it.
    pub fn respond(&self, message: &str, th: &Thresholds) -> Reply {
        self.respond_in_context(message, &[], th)
    }

    /// [`Index::respond`] for a turn in a conversation; see
    /// [`Index::decide_in_context`].
    pub fn respond_in_context(&self, message: &str, earlier: &[&str], th: &Thresholds) -> Reply {
        let (verdict, question) = self.decide_in_context(message, earlier, th);
        let message = question.as_ref();
        let sources = verdict.docs.iter().map(|&d| self.source(d)).collect();
        let text = match (verdict.decision, verdict.reason) {
            (Decision::Answer, _) => clip(
                self.best_passage(verdict.docs[0], &query_terms(message)),
                MAX_ANSWER_CHARS,
            ),
            (Decision::Suggest, _) => "I'm not sure I understood. Is it about one of these?".to_owned(),
            (Decision::Escalate, Some(EscalationReason::Requested)) => {
                "Of course. Leave your email and a person from our team will get back to you.".to_owned()
            }
            (Decision::Escalate, _) => {
                "I couldn't find an answer to that in our help articles. A person from our team can help."
                    .to_owned()
            }
        };
        Reply {
            decision: verdict.decision,
            text,
            sources,
            reason: verdict.reason,
        }
    }
}

/// What the engine decided, before it is put into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    /// The answer's article, or the suggestions, best first.
    pub docs: Vec<usize>,
    pub reason: Option<EscalationReason>,
}

/// Adds `weight × (x − mean) / sd` of `scores` to `acc`.
fn add_standardized(acc: &mut [f32], scores: &[f32], weight: f32) {
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
fn mean_sd(scores: &[f32]) -> Option<(f32, f32)> {
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
fn saturated_weight(tf: &[u16; N_FIELDS], len: &[u32; N_FIELDS], avg_len: &[f32; N_FIELDS]) -> f32 {
    let wtf: f32 = (0..N_FIELDS)
        .map(|f| {
            let norm = 1.0 - B[f] + B[f] * len[f] as f32 / avg_len[f];
            WEIGHT[f] * f32::from(tf[f]) / norm
        })
        .sum();
    wtf / (K1 + wtf)
}

/// The distinct analysed terms of a question.
fn query_terms(question: &str) -> Vec<String> {
    let mut terms = Analyzer::default().terms(question);
    terms.sort();
    terms.dedup();
    terms
}

/// Cuts `text` at a word boundary to at most `max` characters.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let end = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::parse_article;

    fn index() -> Index {
        let a = parse_article(
            "export",
            "---\ntitle: Export your notes\nurl: /help/export\nquestions:\n  - download all my notes\n---\nExport from Settings.\n\n## PDF\nChoose PDF in the export dialog.\n",
        )
        .unwrap();
        let b = parse_article(
            "password",
            "---\ntitle: Reset your password\nurl: /help/password\n---\nUse the forgot password link.\n",
        )
        .unwrap();
        Index::build(&[a, b])
    }

    #[test]
    fn answers_with_the_best_passage() {
        let r = index().respond("how to export notes as PDF", &Thresholds::default());
        assert_eq!(r.decision, Decision::Answer);
        assert_eq!(r.text, "Choose PDF in the export dialog.");
        assert_eq!(r.sources[0].url, "/help/export");
    }

    #[test]
    fn escalates_unknown_topics_and_requests() {
        let ix = index();
        let r = ix.respond("what's the weather in Paris", &Thresholds::default());
        assert_eq!(
            (r.decision, r.reason),
            (Decision::Escalate, Some(EscalationReason::NoMatch))
        );
        let r = ix.respond("talk to a person", &Thresholds::default());
        assert_eq!(r.reason, Some(EscalationReason::Requested));
    }

    #[test]
    fn survives_serialization() {
        let ix = index();
        let json = serde_json::to_string(&ix).unwrap();
        let back: Index = serde_json::from_str(&json).unwrap();
        assert_eq!(back.search("password"), ix.search("password"));
    }

    #[test]
    fn clip_cuts_on_words() {
        assert_eq!(clip("one two three", 9), "one two…");
        assert_eq!(clip("short", 9), "short");
    }
}
