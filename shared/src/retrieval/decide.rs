//! The decision per turn: the visitor's language, always-human topics,
//! talk-to-a-person and small talk, retrieval in the conversation's
//! context, and answer / suggest / escalate (lexical or hybrid). The
//! visitor's message is analysed once ([`Message`]), and so is the text
//! of a follow-up joined to the earlier messages ([`Query`]).

use std::borrow::Cow;

use super::rank::mean_sd;
use super::turn::{Decided, Query};
use super::{
    CharView, Context, Dense, Hit, HybridSignals, HybridThresholds, Index, Thresholds, Topic,
    Verdict, Words, MAX_FOLLOW_UP_WORDS, MAX_JOINED, UNHELPFUL_LIMIT,
};
use crate::text::intent::{frustrated, small_talk, wants_person};
use crate::text::{detect, word_count, Analyzer, Lang, Message};
use frontdesk_api::wire::{Decision, EscalationReason};

/// Which text a turn was decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The message on its own.
    Alone,
    /// The message joined to the visitor's earlier messages.
    Joined,
}

impl Index {
    /// The language of a visitor turn: the message's own if it shows one,
    /// else the conversation's, else the visitor's locale, else the help
    /// centre's.
    fn visitor_lang(&self, message: &Message, ctx: &Context) -> Lang {
        message
            .lang()
            .or_else(|| {
                if ctx.earlier.is_empty() {
                    return None;
                }
                let mut all = ctx.earlier.join("\n");
                all.push('\n');
                all.push_str(message.text());
                detect(&all)
            })
            .or(ctx.locale)
            .unwrap_or(self.primary)
    }

    /// The first half of [`Index::turn`]: the decision for a visitor turn
    /// in its conversation, and the question it was decided on. In order:
    /// a request for a person, an always-human topic (of `topics`, by name,
    /// case-insensitive; `None`: every topic), small talk and frustration
    /// are recognised before any search; a short follow-up ("and as PDF?")
    /// or a question sent in several short messages is joined to the
    /// earlier messages when that gives a better decision; once
    /// [`Context::unhelpful_streak`] reaches two (`UNHELPFUL_LIMIT`), or
    /// when the visitor repeats their last message, a turn that does not
    /// answer offers a person instead of more suggestions.
    pub fn decide<'a>(
        &self,
        message: &'a str,
        ctx: &Context,
        th: &Thresholds,
        topics: Option<&[String]>,
    ) -> Decided<'a> {
        let message = Message::new(message);
        let lang = self.visitor_lang(&message, ctx);
        let content = self.content_lang(lang);
        let only = (self.langs.len() > 1).then_some(content);
        if let Some(verdict) = self.before_search(&message, lang, content, topics) {
            return Decided {
                verdict,
                question: message,
            };
        }
        let scores = ctx.semantic.and_then(|s| self.dense_scores(s));
        // Words analysed in a language the help centre lacks match nothing
        // real: across languages the embedding model decides alone.
        let dense = scores.as_deref().map(|scores| Dense {
            scores,
            words: lang == content,
        });
        let alone = Query::new(message);
        let joined = joined(&alone.message, ctx.earlier).map(|j| Query::new(Message::new(j)));
        let (mut verdict, mut reading) =
            self.retrieve_in_context(&alone, joined.as_ref(), content, only, dense, th);
        // Nothing in the visitor's language matches: the help centre's main
        // language may have the article (a German visitor is better served
        // by an English article than by none), never a third language.
        let fallback = only.filter(|&l| l != self.primary).map(|_| self.primary);
        if let Some(primary) = fallback {
            if verdict.reason == Some(EscalationReason::NoMatch) {
                let dense = dense.map(|d| Dense { words: false, ..d });
                let (v, r) = self.retrieve_in_context(
                    &alone,
                    joined.as_ref(),
                    primary,
                    Some(primary),
                    dense,
                    th,
                );
                if v.reason != Some(EscalationReason::NoMatch) {
                    (verdict, reading) = (v, r);
                }
            }
        }
        verdict.lang = lang;
        let repeated = || {
            ctx.earlier
                .last()
                .is_some_and(|prev| same_question(&Message::new(*prev), &alone.message, content))
        };
        if verdict.decision != Decision::Answer
            && (ctx.unhelpful_streak >= UNHELPFUL_LIMIT || repeated())
        {
            verdict = plain(Decision::Escalate, Some(EscalationReason::Unresolved), lang);
        }
        let question = match (reading, joined) {
            (Reading::Joined, Some(joined)) => joined.message,
            _ => alone.message,
        };
        Decided { verdict, question }
    }

    /// Whether a visitor turn rests on retrieval, so that an embedding
    /// model's view could change it: [`Index::decide`] would not settle it
    /// before any search (a request for a person, an always-human topic of
    /// `topics`, small talk or frustration). Cheap: no search is made.
    pub fn rests_on_retrieval(
        &self,
        message: &str,
        ctx: &Context,
        topics: Option<&[String]>,
    ) -> bool {
        let message = Message::new(message);
        let lang = self.visitor_lang(&message, ctx);
        self.before_search(&message, lang, self.content_lang(lang), topics)
            .is_none()
    }

    /// The language of the articles a visitor in `lang` is answered from:
    /// theirs if the help centre has it, else its main language.
    fn content_lang(&self, lang: Lang) -> Lang {
        if self.langs.contains(&lang) {
            lang
        } else {
            self.primary
        }
    }

    /// The verdict on a message in `lang` (articles in `content`) that
    /// needs no search, if any: in order, a request for a person, an
    /// always-human topic, small talk, frustration.
    fn before_search(
        &self,
        message: &Message,
        lang: Lang,
        content: Lang,
        topics: Option<&[String]>,
    ) -> Option<Verdict> {
        let escalate = |reason| plain(Decision::Escalate, Some(reason), lang);
        if wants_person(message) {
            Some(escalate(EscalationReason::Requested))
        } else if let Some(topic) = self.always_human_topic(message, content, topics) {
            let mut v = escalate(EscalationReason::AlwaysHuman);
            v.topic = Some(topic.name.clone());
            Some(v)
        } else if let Some(kind) = small_talk(message) {
            let mut v = plain(Decision::SmallTalk, None, lang);
            v.small_talk = Some(kind);
            Some(v)
        } else if frustrated(message) {
            Some(escalate(EscalationReason::Frustrated))
        } else {
            None
        }
    }

    /// The name of the always-human topic a visitor message is on, if any,
    /// among the topics named in `topics` (`None`: every topic): for the
    /// ticket's triage.
    pub fn always_human_for(&self, message: &str, topics: Option<&[String]>) -> Option<&str> {
        let message = Message::new(message);
        let lang = message
            .lang()
            .filter(|l| self.langs.contains(l))
            .unwrap_or(self.primary);
        self.always_human_topic(&message, lang, topics)
            .map(|t| t.name.as_str())
    }

    /// The first always-human topic `message` is on, among `topics`.
    fn always_human_topic(
        &self,
        message: &Message,
        lang: Lang,
        topics: Option<&[String]>,
    ) -> Option<&Topic> {
        if self.policy.always_human.is_empty() {
            return None;
        }
        let analyzer = Analyzer::new(lang);
        let terms = message.terms(lang);
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
        query: &Query,
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
            query.message.terms(lang)
        } else {
            &[]
        };
        let terms = self.look_up(terms);
        let chars = if words {
            query.chars(self)
        } else {
            Cow::Owned(vec![0.0; self.len()])
        };
        let chars = CharView::new(chars, dense.map(|d| Cow::Borrowed(d.scores)));
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

    /// [`Index::retrieve`] for the message alone and, if it is a short
    /// one after earlier messages, `joined` to them ([`joined`]); the
    /// better reading wins.
    fn retrieve_in_context(
        &self,
        alone: &Query,
        joined: Option<&Query>,
        lang: Lang,
        only: Option<Lang>,
        dense: Option<Dense>,
        th: &Thresholds,
    ) -> (Verdict, Reading) {
        let verdict = self.retrieve(alone, lang, only, dense, th);
        let Some(joined) = joined else {
            return (verdict, Reading::Alone);
        };
        let alone = verdict;
        let together = self.retrieve(joined, lang, only, dense, th);
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
                (verdict, Reading::Joined)
            }
            (Decision::Answer, _) => (alone, Reading::Alone),
            (_, Decision::Answer) | (Decision::Escalate, Decision::Suggest) => {
                (together, Reading::Joined)
            }
            _ => (alone, Reading::Alone),
        }
    }
}

/// A verdict on no article.
fn plain(decision: Decision, reason: Option<EscalationReason>, lang: Lang) -> Verdict {
    Verdict {
        decision,
        docs: vec![],
        reason,
        lang,
        small_talk: None,
        topic: None,
        signals: None,
    }
}

/// A short `message` (a follow-up, or the end of a question typed in
/// pieces) joined to the visitor's previous message, whatever its length,
/// and the short ones right before it: "hi" / "I have a problem" / "with
/// the export" / "as PDF" is one question. `None` for a longer message, or
/// the first.
fn joined(message: &Message, earlier: &[&str]) -> Option<String> {
    let short = |words: usize| words <= MAX_FOLLOW_UP_WORDS;
    if earlier.is_empty() || !short(message.words().len()) {
        return None;
    }
    let mut from = earlier.len() - 1;
    while from > 0
        && earlier.len() - from < MAX_JOINED
        && short(word_count(earlier[from]))
        && short(word_count(earlier[from - 1]))
    {
        from -= 1;
    }
    let mut joined = earlier[from..].join("\n");
    joined.push('\n');
    joined.push_str(message.text());
    Some(joined)
}

/// Whether two messages ask the same thing: the same terms (in `lang`),
/// give or take one in four (a visitor repeating a question the bot did
/// not get).
fn same_question(a: &Message, b: &Message, lang: Lang) -> bool {
    let (a, b) = (a.terms(lang), b.terms(lang));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.iter().filter(|t| b.binary_search(t).is_ok()).count();
    let union = a.len() + b.len() - shared;
    shared * 4 >= union * 3
}
