//! The questions the bot could not answer, grouped by stemmed-term
//! similarity so the team sees which article to write next.

use std::collections::BTreeSet;

use super::{
    Conversation, Message, Question, QuestionGroup, MAX_GROUP_QUESTIONS, MAX_QUESTIONS, SIMILARITY,
};
use crate::text::intent::small_talk;
use crate::text::{self, Analyzer, Lang};
use frontdesk_api::wire::{Decision, EscalationReason, Role};

/// The visitor messages the bot could not answer, newest first (at most
/// [`MAX_QUESTIONS`]). A message counts when the bot's reply to it
/// suggested, or escalated with `no_match` or `unresolved`; thanks and
/// greetings never count.
pub fn unanswered(conversations: &[Conversation]) -> Vec<Question> {
    let mut out = Vec::new();
    for c in conversations {
        let mut pending: Option<&Message> = None;
        for m in &c.messages {
            match m.role {
                Role::Visitor => pending = Some(m),
                Role::Bot => {
                    let Some(q) = pending.take() else { continue };
                    let unanswered = matches!(
                        (m.decision, m.reason),
                        (Some(Decision::Suggest), _)
                            | (
                                Some(Decision::Escalate),
                                Some(EscalationReason::NoMatch | EscalationReason::Unresolved),
                            )
                    );
                    if unanswered && small_talk(&text::Message::new(q.body.as_str())).is_none() {
                        out.push(Question {
                            conversation: c.id.clone(),
                            text: q.body.clone(),
                            lang: m.lang.clone().unwrap_or_else(|| "und".into()),
                            at: q.at,
                        });
                    }
                }
                Role::Agent => pending = None,
            }
        }
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.text.cmp(&b.text)));
    out.truncate(MAX_QUESTIONS);
    out
}

/// Distinct stemmed terms of a question in its language, sorted.
fn term_set(q: &Question) -> Vec<String> {
    let mut t = Analyzer::new(Lang::from_tag(&q.lang)).terms(&q.text);
    t.sort();
    t.dedup();
    t
}

/// The overlap coefficient of two sorted term sets: shared terms over the
/// size of the smaller set (0 when either is empty). Short paraphrases
/// ("is there a Linux version?" / "desktop app for Linux?") share few of
/// their terms, so Jaccard would keep them apart.
pub fn similarity(a: &[String], b: &[String]) -> f32 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f32 / smaller as f32
}

/// Groups questions by similarity (star clustering): the question alike
/// to the most others (at least [`SIMILARITY`]) seeds a group with every
/// ungrouped question alike to it; repeat with the rest. Deterministic;
/// questions without content terms are left out. Returns the biggest
/// `max_groups` groups.
pub fn group(questions: &[Question], max_groups: usize) -> Vec<QuestionGroup> {
    let terms: Vec<Vec<String>> = questions.iter().map(term_set).collect();
    let live: Vec<usize> = (0..questions.len())
        .filter(|&i| !terms[i].is_empty())
        .collect();
    let n = questions.len();
    let mut sim = vec![0f32; n * n];
    for (x, &i) in live.iter().enumerate() {
        for &j in &live[x + 1..] {
            let s = similarity(&terms[i], &terms[j]);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let alike = |i: usize, j: usize| i != j && sim[i * n + j] >= SIMILARITY;
    let degree = |i: usize| live.iter().filter(|&&j| alike(i, j)).count();
    let mut order = live.clone();
    // Most connected first; then the newest (questions come newest first).
    order.sort_by_key(|&i| (std::cmp::Reverse(degree(i)), i));
    let mut taken = vec![false; n];
    let mut groups = Vec::new();
    for &seed in &order {
        if taken[seed] {
            continue;
        }
        let members: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&j| !taken[j] && (j == seed || alike(seed, j)))
            .collect();
        for &m in &members {
            taken[m] = true;
        }
        let central = members
            .iter()
            .copied()
            .max_by(|&a, &b| {
                let total = |i: usize| members.iter().map(|&j| sim[i * n + j]).sum::<f32>();
                total(a).total_cmp(&total(b)).then(b.cmp(&a))
            })
            .unwrap_or(seed);
        groups.push(make_group(questions, &members, central));
    }
    groups.sort_by(|a, b| {
        (b.count, b.conversations.len())
            .cmp(&(a.count, a.conversations.len()))
            .then_with(|| {
                let newest = |g: &QuestionGroup| g.questions.first().map_or(0, |q| q.at);
                newest(b).cmp(&newest(a))
            })
            .then_with(|| a.representative.cmp(&b.representative))
    });
    groups.truncate(max_groups);
    groups
}

fn make_group(questions: &[Question], members: &[usize], central: usize) -> QuestionGroup {
    let mut conversations: Vec<String> = Vec::new();
    for &m in members {
        if !conversations.contains(&questions[m].conversation) {
            conversations.push(questions[m].conversation.clone());
        }
    }
    let languages: BTreeSet<String> = members.iter().map(|&m| questions[m].lang.clone()).collect();
    QuestionGroup {
        representative: questions[central].text.clone(),
        count: members.len() as u64,
        languages: languages.into_iter().collect(),
        conversations,
        questions: members
            .iter()
            .take(MAX_GROUP_QUESTIONS)
            .map(|&m| questions[m].clone())
            .collect(),
    }
}
