//! Putting a decided turn into words: the reply, its sources and passage,
//! in the visitor's language.

use super::rank::query_terms;
use super::{Context, Evidence, Index, Texts, Thresholds, Turn, Verdict, MAX_ANSWER_CHARS};
use crate::text::intent::SmallTalk;
use crate::text::phrases::{say, Line};
use crate::text::{clip, Lang};
use frontdesk_api::wire::{Decision, EscalationReason, Reply};

impl Index {
    /// Decides what to say to one visitor message on its own, and words it.
    pub fn respond(&self, message: &str, th: &Thresholds) -> Reply {
        self.respond_turn(message, &Context::default(), th)
    }

    /// Decides what to say to a visitor turn in its conversation (see
    /// [`Index::decide_turn`]), and words it in the visitor's language.
    pub fn respond_turn(&self, message: &str, ctx: &Context, th: &Thresholds) -> Reply {
        self.turn(message, ctx, th).reply
    }

    /// [`Index::respond_turn`], with what a text generator needs to write a
    /// better answer: the question as decided (follow-ups joined) and the
    /// best passage of each article the reply rests on.
    pub fn turn(&self, message: &str, ctx: &Context, th: &Thresholds) -> Turn {
        self.turn_for(message, ctx, th, None)
    }

    /// [`Index::turn`] on a site where only the always-human topics named
    /// in `topics` apply (`None`: every topic).
    pub fn turn_for(
        &self,
        message: &str,
        ctx: &Context,
        th: &Thresholds,
        topics: Option<&[String]>,
    ) -> Turn {
        let (verdict, question) = self.decide_turn_for(message, ctx, th, topics);
        self.turn_from(verdict, question.into_owned(), ctx, &Texts::new())
    }

    /// A decided turn ([`Index::decide_turn_for`]) put into words: each of
    /// its articles' passage nearest the question. `texts` holds those of
    /// its articles whose text is stored apart ([`Index::texts_apart`]).
    /// An answer whose article has no text to quote (not given: the store
    /// could not be read) becomes suggestions.
    pub fn turn_from(
        &self,
        mut verdict: Verdict,
        question: String,
        ctx: &Context,
        texts: &Texts,
    ) -> Turn {
        let evidence: Vec<Evidence> = verdict
            .docs
            .iter()
            .map(|&doc| {
                let passages = self.doc(doc).passages(doc, texts);
                Evidence {
                    source: self.source(doc),
                    text: ctx
                        .semantic
                        .and_then(|s| self.nearest_window(doc, s, &passages))
                        .unwrap_or_else(|| {
                            self.best_passage(
                                doc,
                                &query_terms(&question, self.doc_langs[doc]),
                                &passages,
                            )
                        }),
                }
            })
            .collect();
        if verdict.decision == Decision::Answer
            && evidence.first().is_none_or(|e| e.text.is_empty())
        {
            verdict.decision = Decision::Suggest;
        }
        let reply = self.word(verdict, &evidence);
        Turn {
            reply,
            question,
            evidence,
        }
    }

    /// Puts a verdict into words; `evidence` holds its articles' best
    /// passages, in order (an answer quotes the first).
    fn word(&self, verdict: Verdict, evidence: &[Evidence]) -> Reply {
        let sources = evidence.iter().map(|e| e.source.clone()).collect();
        let lang = verdict.lang;
        let line = |l| say(lang, l).to_owned();
        let text = match (verdict.decision, verdict.reason) {
            (Decision::Answer, _) => {
                let passage = clip(&evidence[0].text, MAX_ANSWER_CHARS);
                // An article in another language than the visitor's: say so,
                // in theirs (a generator would have translated it).
                match verdict.docs.first() {
                    Some(&doc) if self.doc_langs[doc] != lang && lang != Lang::Other => {
                        format!("{}\n\n{passage}", line(Line::OtherLanguage))
                    }
                    _ => passage,
                }
            }
            (Decision::Suggest, _) => line(Line::Suggest),
            (Decision::SmallTalk, _) => line(match verdict.small_talk {
                Some(SmallTalk::Thanks) => Line::Thanks,
                Some(SmallTalk::Goodbye) => Line::Goodbye,
                Some(SmallTalk::AreYouABot) => Line::AreYouABot,
                Some(SmallTalk::Greeting) | None => Line::Greeting,
            }),
            (Decision::Escalate, Some(EscalationReason::Requested)) => {
                line(Line::EscalateRequested)
            }
            (Decision::Escalate, Some(EscalationReason::AlwaysHuman)) => line(Line::AlwaysHuman),
            (Decision::Escalate, Some(EscalationReason::Frustrated)) => line(Line::Frustrated),
            (Decision::Escalate, Some(EscalationReason::Unresolved)) => line(Line::Unresolved),
            (Decision::Escalate, _) => line(Line::EscalateNoMatch),
        };
        Reply {
            decision: verdict.decision,
            text,
            sources,
            reason: verdict.reason,
            lang: lang.code().to_owned(),
        }
    }
}
