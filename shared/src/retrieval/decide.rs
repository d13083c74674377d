//! The decision per turn: the visitor's language, always-human topics,
//! talk-to-a-person and small talk, retrieval in the conversation's
//! context, and answer / suggest / escalate (lexical or hybrid).

use std::borrow::Cow;

use super::rank::{mean_sd, query_terms};
use super::{
    CharView, Context, Dense, Hit, HybridSignals, HybridThresholds, Index, Thresholds, Topic,
    Verdict, Words, MAX_FOLLOW_UP_WORDS, MAX_JOINED, UNHELPFUL_LIMIT,
};
use crate::text::intent::{frustrated, small_talk, wants_person};
use crate::text::{detect, words, Analyzer, Lang};
use frontdesk_api::wire::{Decision, EscalationReason};

impl Index {
    /// The decision for one visitor message on its own, with the articles
    /// behind it.
    pub fn decide(&self, message: &str, th: &Thresholds) -> Verdict {
        self.decide_turn(message, &Context::default(), th).0
    }

    /// The language of a visitor turn: the message's own if it shows one,
    /// else the conversation's, else the visitor's locale, else the help
    /// centre's.
    fn visitor_lang(&self, message: &str, ctx: &Context) -> Lang {
        detect(message)
            .or_else(|| {
                if ctx.earlier.is_empty() {
                    return None;
                }
                let mut all = ctx.earlier.join("\n");
                all.push('\n');
                all.push_str(message);
                detect(&all)
            })
            .or(ctx.locale)
            .unwrap_or(self.primary)
    }

    /// The decision for a visitor turn in its conversation, and the question
    /// it was decided on. In order: a request for a person, an always-human
    /// topic, small talk and frustration are recognised before any search; a
    /// short follow-up ("and as PDF?") or a question sent in several short
    /// messages is joined to the earlier messages when that gives a better
    /// decision; after [`UNHELPFUL_LIMIT`] turns without an answer, or when
    /// the visitor repeats an earlier message, the bot offers a person
    /// instead of more suggestions.
    pub fn decide_turn<'a>(
        &self,
        message: &'a str,
        ctx: &Context,
        th: &Thresholds,
    ) -> (Verdict, Cow<'a, str>) {
        self.decide_turn_for(message, ctx, th, None)
    }

    /// [`Index::decide_turn`] on a site where only the always-human topics
    /// named in `topics` apply (case-insensitive; `None`: every topic).
    pub fn decide_turn_for<'a>(
        &self,
        message: &'a str,
        ctx: &Context,
        th: &Thresholds,
        topics: Option<&[String]>,
    ) -> (Verdict, Cow<'a, str>) {
        let lang = self.visitor_lang(message, ctx);
        let content = if self.langs.contains(&lang) {
            lang
        } else {
            self.primary
        };
        let only = (self.langs.len() > 1).then_some(content);
        let plain = |decision, reason| Verdict {
            decision,
            docs: vec![],
            reason,
            lang,
            small_talk: None,
            topic: None,
            signals: None,
        };
        let escalate = |reason| plain(Decision::Escalate, Some(reason));
        let msg = Cow::Borrowed(message);
        if wants_person(message) {
            return (escalate(EscalationReason::Requested), msg);
        }
        if let Some(topic) = self.always_human_topic(message, content, topics) {
            let mut v = escalate(EscalationReason::AlwaysHuman);
            v.topic = Some(topic.name.clone());
            return (v, msg);
        }
        if let Some(kind) = small_talk(message) {
            let mut v = plain(Decision::SmallTalk, None);
            v.small_talk = Some(kind);
            return (v, msg);
        }
        if frustrated(message) {
            return (escalate(EscalationReason::Frustrated), msg);
        }
        let scores = ctx.semantic.and_then(|s| self.dense_scores(s));
        // Words analysed in a language the help centre lacks match nothing
        // real: across languages the embedding model decides alone.
        let dense = scores.as_deref().map(|scores| Dense {
            scores,
            words: lang == content,
        });
        let (mut verdict, mut question) =
            self.retrieve_in_context(message, ctx.earlier, content, only, dense, th);
        // Nothing in the visitor's language matches: the help centre's main
        // language may have the article (a German visitor is better served
        // by an English article than by none), never a third language.
        let fallback = only.filter(|&l| l != self.primary).map(|_| self.primary);
        if let Some(primary) = fallback {
            if verdict.reason == Some(EscalationReason::NoMatch) {
                let dense = dense.map(|d| Dense { words: false, ..d });
                let (v, q) = self.retrieve_in_context(
                    message,
                    ctx.earlier,
                    primary,
                    Some(primary),
                    dense,
                    th,
                );
                if v.reason != Some(EscalationReason::NoMatch) {
                    (verdict, question) = (v, q);
                }
            }
        }
        verdict.lang = lang;
        let repeated = ctx
            .earlier
            .last()
            .is_some_and(|prev| same_question(prev, message, content));
        if verdict.decision != Decision::Answer
            && (ctx.unhelpful_streak >= UNHELPFUL_LIMIT || repeated)
        {
            return (escalate(EscalationReason::Unresolved), question);
        }
        (verdict, question)
    }

    /// The name of the always-human topic a visitor message is on, if any
    /// (for the ticket's triage).
    pub fn always_human(&self, message: &str) -> Option<&str> {
        self.always_human_for(message, None)
    }

    /// [`Index::always_human`] among the topics named in `topics` (`None`:
    /// every topic).
    pub fn always_human_for(&self, message: &str, topics: Option<&[String]>) -> Option<&str> {
        let lang = detect(message)
            .filter(|l| self.langs.contains(l))
            .unwrap_or(self.primary);
        self.always_human_topic(message, lang, topics)
            .map(|t| t.name.as_str())
    }

    /// The first always-human topic `message` is on, among `topics`.
    fn always_human_topic(
        &self,
        message: &str,
        lang: Lang,
        topics: Option<&[String]>,
    ) -> Option<&Topic> {
        if self.policy.always_human.is_empty() {
            return None;
        }
        let analyzer = Analyzer::new(lang);
        let mut terms = analyzer.terms(message);
        terms.sort();
        let applies = |t: &Topic| {
            topics.is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(&t.name)))
        };
        self.policy
            .always_human
            .iter()
            .filter(|t| applies(t))
            .find(|topic| {
                topic.phrases.iter().any(|phrase| {
                    let need = analyzer.terms(phrase);
                    !need.is_empty() && need.iter().all(|t| terms.binary_search(t).is_ok())
                })
            })
    }

    /// Retrieval for one question: answer, suggest, or nothing matches.
    fn retrieve(
        &self,
        message: &str,
        lang: Lang,
        only: Option<Lang>,
        dense: Option<Dense>,
        th: &Thresholds,
    ) -> Verdict {
        let verdict = |decision, docs, reason| Verdict {
            decision,
            docs,
            reason,
            lang,
            small_talk: None,
            topic: None,
            signals: None,
        };
        let words = dense.is_none_or(|d| d.words);
        let terms = if words {
            query_terms(message, lang)
        } else {
            vec![]
        };
        let terms = self.look_up(&terms);
        let chars = if words {
            self.char_scores(message)
        } else {
            vec![0.0; self.len()]
        };
        let chars = CharView::new(chars, dense.map(|d| d.scores.to_vec()));
        let (hits, lexical_top) = self.rank_both(&terms, &chars, only);
        let Some(top) = hits.first() else {
            return verdict(Decision::Escalate, vec![], Some(EscalationReason::NoMatch));
        };
        if let Some(d) = dense {
            let (decision, docs, signals) =
                self.decide_hybrid(&hits, d, lexical_top, only, &th.hybrid);
            let reason = (decision == Decision::Escalate).then_some(EscalationReason::NoMatch);
            return Verdict {
                signals,
                ..verdict(decision, docs, reason)
            };
        }
        let lead = hits.get(1).map_or(f32::INFINITY, |h| top.score - h.score);
        if top.coverage >= th.answer_coverage
            && lead >= th.answer_lead
            && self.is_robust(top.doc, &terms, &chars, only)
        {
            return verdict(Decision::Answer, vec![top.doc], None);
        }
        if top.coverage < th.suggest_coverage || chars.scores[top.doc] < th.suggest_similarity {
            return verdict(Decision::Escalate, vec![], Some(EscalationReason::NoMatch));
        }
        let docs: Vec<usize> = hits.iter().take(3).map(|h| h.doc).collect();
        verdict(Decision::Suggest, docs, None)
    }

    /// The decision on hybrid `hits` (fused with the embedding model's
    /// view `d`; `words`: the article the lexical views alone rank first,
    /// if the question's words count): answer, suggest the top three, or
    /// escalate, with the signals it rests on. See [`HybridThresholds`].
    fn decide_hybrid(
        &self,
        hits: &[Hit],
        d: Dense,
        words: Option<Hit>,
        only: Option<Lang>,
        th: &HybridThresholds,
    ) -> (Decision, Vec<usize>, Option<HybridSignals>) {
        let top = &hits[0];
        // The help centre's spread without the top article: with it, a
        // small help centre caps how far any article can stand out (with
        // n articles, z ≤ √(n−1)).
        let rest: Vec<f32> = (0..d.scores.len())
            .filter(|&i| i != top.doc)
            .map(|i| d.scores[i])
            .collect();
        let Some((mean, sd)) = mean_sd(&rest) else {
            return (Decision::Escalate, vec![], None);
        };
        // How far the top article's similarity stands above the rest of
        // the help centre's, and above the nearest other article's (in this
        // language), in standard deviations.
        let z = (d.scores[top.doc] - mean) / sd;
        // With no other article in the language, the nearest in any: a lone
        // article does not stand out from nothing.
        let nearest = |same_lang: bool| {
            (0..self.len())
                .filter(|&i| i != top.doc)
                .filter(|&i| !same_lang || only.is_none_or(|l| self.doc_langs[i] == l))
                .map(|i| d.scores[i])
                .reduce(|m, x| if x > m { x } else { m })
        };
        let runner_up = nearest(true).or_else(|| nearest(false)).unwrap_or(mean);
        let signals = HybridSignals {
            z,
            gap: (d.scores[top.doc] - runner_up) / sd,
            coverage: top.coverage,
            words: match words {
                _ if !d.words => Words::Across,
                Some(w) if w.doc == top.doc => Words::Agree,
                Some(w) if w.coverage > top.coverage => Words::Outcovered,
                _ => Words::Other,
            },
        };
        let decision = th.decide(&signals);
        let docs = match decision {
            Decision::Answer => vec![top.doc],
            Decision::Suggest => hits.iter().take(3).map(|h| h.doc).collect(),
            _ => vec![],
        };
        (decision, docs, Some(signals))
    }

    /// [`Index::retrieve`] for `message` alone and joined to the visitor's
    /// previous message (and to the short messages before it, for a
    /// question typed in pieces); the better reading wins.
    fn retrieve_in_context<'a>(
        &self,
        message: &'a str,
        earlier: &[&str],
        lang: Lang,
        only: Option<Lang>,
        dense: Option<Dense>,
        th: &Thresholds,
    ) -> (Verdict, Cow<'a, str>) {
        let alone = self.retrieve(message, lang, only, dense, th);
        let short = |m: &str| words(m).count() <= MAX_FOLLOW_UP_WORDS;
        if earlier.is_empty() || !short(message) {
            return (alone, Cow::Borrowed(message));
        }
        // The previous message, whatever its length, and the short ones
        // right before it: "hi" / "I have a problem" / "with the export" /
        // "as PDF" is one question.
        let mut from = earlier.len() - 1;
        while from > 0
            && earlier.len() - from < MAX_JOINED
            && short(earlier[from])
            && short(earlier[from - 1])
        {
            from -= 1;
        }
        let mut joined = earlier[from..].join("\n");
        joined.push('\n');
        joined.push_str(message);
        let together = self.retrieve(&joined, lang, only, dense, th);
        match (alone.decision, together.decision) {
            // Read alone and read as a follow-up, the turn points to two
            // different articles: not confident enough to answer either.
            (Decision::Answer, Decision::Answer) if alone.docs != together.docs => {
                let mut docs = together.docs;
                docs.extend(alone.docs);
                let verdict = Verdict {
                    decision: Decision::Suggest,
                    docs,
                    ..alone
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
}

/// Whether two messages ask the same thing: the same terms, give or take one
/// in four (a visitor repeating a question the bot did not get).
pub(super) fn same_question(a: &str, b: &str, lang: Lang) -> bool {
    let (a, b) = (query_terms(a, lang), query_terms(b, lang));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.iter().filter(|t| b.binary_search(t).is_ok()).count();
    let union = a.len() + b.len() - shared;
    shared * 4 >= union * 3
}
