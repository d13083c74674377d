//! Putting a decided turn into words: the reply, its sources and passage,
//! in the visitor's language.

use super::{Context, Decided, Evidence, Index, Texts, Turn, Verdict, MAX_ANSWER_CHARS};
use crate::text::intent::SmallTalk;
use crate::text::phrases::{say, Line};
use crate::text::{clip, Lang};
use frontdesk_api::wire::{Decision, EscalationReason, Reply};

impl Index {
    /// The second half of [`Index::turn`]: a decided turn
    /// ([`Index::decide`]) put into words, each of its articles' passage
    /// nearest the question (by the embedding model's view in `ctx`, else
    /// by the question's terms). `texts` holds those of its articles whose
    /// text is stored apart ([`Index::texts_apart`]). An answer whose
    /// article has no text to quote (not given: the store could not be
    /// read) becomes suggestions.
    pub fn word(&self, decided: Decided, ctx: &Context, texts: &Texts) -> Turn {
        let Decided {
            mut verdict,
            question,
        } = decided;
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
                            self.best_passage(doc, question.terms(self.doc_langs[doc]), &passages)
                        }),
                }
            })
            .collect();
        if verdict.decision == Decision::Answer
            && evidence.first().is_none_or(|e| e.text.is_empty())
        {
            verdict.decision = Decision::Suggest;
        }
        let reply = self.reply(verdict, &evidence);
        Turn {
            reply,
            question: question.into_text(),
            evidence,
        }
    }

    /// Puts a verdict into words; `evidence` holds its articles' best
    /// passages, in order (an answer quotes the first).
    fn reply(&self, verdict: Verdict, evidence: &[Evidence]) -> Reply {
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
            // The engine never decides an action (`crate::actions` does).
            (Decision::Escalate | Decision::Action, _) => line(Line::EscalateNoMatch),
        };
        Reply {
            decision: verdict.decision,
            text,
            sources,
            reason: verdict.reason,
            lang: lang.code().to_owned(),
            confirm: None,
        }
    }
}
