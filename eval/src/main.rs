//! `frontdesk-eval`: runs the built-in engine, with the worker's default
//! configuration, over a help centre and a question set, and scores it.
//!
//! ```text
//! cargo run --release --bin frontdesk-eval -- --articles A.jsonl --questions Q.jsonl --out D.jsonl
//! ```
//!
//! Input formats are those of `../shared/eval/README.md`. `--out` gets one
//! line per question, in input order: `{"text", "decision", "articles"}`
//! (article ids, best first). Printed: precision (right answers / answered
//! in-scope questions), coverage ((right answers + right article among the
//! top three suggestions) / in-scope questions), false deflection
//! (out-of-scope questions answered / out-of-scope questions).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use frontdesk_shared::engine::{Index, Thresholds};
use frontdesk_shared::kb::{Article, Section};
use frontdesk_shared::wire::Decision;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct ArticleRow {
    id: String,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Deserialize)]
struct QuestionRow {
    text: String,
    #[serde(default)]
    expected: Option<String>,
}

#[derive(Serialize)]
struct DecisionRow<'a> {
    text: &'a str,
    decision: Decision,
    articles: Vec<&'a str>,
}

struct Args {
    articles: PathBuf,
    questions: PathBuf,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let (mut articles, mut questions, mut out) = (None, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--articles" => articles = Some(PathBuf::from(value)),
            "--questions" => questions = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Args {
        articles: articles.ok_or("--articles is required")?,
        questions: questions.ok_or("--questions is required")?,
        out,
    })
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &PathBuf) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// An eval article as a help article: examples become example questions.
fn article(row: ArticleRow) -> Article {
    Article {
        url: format!("/help/{}", row.id),
        slug: row.id,
        title: row.title,
        lang: row.lang.unwrap_or_else(|| "en".to_owned()),
        tags: vec![],
        questions: row.examples,
        sections: vec![Section {
            heading: None,
            text: row.body,
        }],
    }
}

/// Running totals for the three scores.
#[derive(Default)]
struct Score {
    in_scope: usize,
    answered: usize,
    right: usize,
    suggested_right: usize,
    out_of_scope: usize,
    deflected: usize,
    /// Out-of-scope questions that got suggestions (not counted as deflection,
    /// but a visitor would rather be offered a person straight away).
    oos_suggested: usize,
}

impl Score {
    fn add(&mut self, expected: Option<&str>, decision: Decision, articles: &[&str]) {
        match expected {
            Some(want) => {
                self.in_scope += 1;
                match decision {
                    Decision::Answer => {
                        self.answered += 1;
                        self.right += usize::from(articles.first() == Some(&want));
                    }
                    Decision::Suggest => {
                        self.suggested_right +=
                            usize::from(articles.iter().take(3).any(|a| *a == want));
                    }
                    Decision::Escalate | Decision::SmallTalk => {}
                }
            }
            None => {
                self.out_of_scope += 1;
                self.deflected += usize::from(decision == Decision::Answer);
                self.oos_suggested += usize::from(decision == Decision::Suggest);
            }
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn run(args: Args) -> Result<(), String> {
    let articles: Vec<Article> = read_jsonl::<ArticleRow>(&args.articles)?
        .into_iter()
        .map(article)
        .collect();
    let questions: Vec<QuestionRow> = read_jsonl(&args.questions)?;
    let started = Instant::now();
    let index = Index::build(&articles);
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let th = Thresholds::default();

    let mut out: Option<Box<dyn Write>> = match &args.out {
        Some(p) => Some(Box::new(BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        ))),
        None => None,
    };
    let mut score = Score::default();
    let mut counts = [0usize; 3];
    // Retrieval alone, whatever the decision: is the right article ranked 1st / in the top 3?
    let mut recall = [0usize; 2];
    let started = Instant::now();
    for q in &questions {
        if let Some(want) = q.expected.as_deref() {
            let ranked = index.search(&q.text);
            let pos = ranked
                .iter()
                .take(3)
                .position(|h| index.slug(h.doc) == want);
            recall[0] += usize::from(pos == Some(0));
            recall[1] += usize::from(pos.is_some());
        }
        let mut verdict = index.decide(&q.text, &th);
        // The interface has three decisions. Small talk answers nothing and
        // suggests nothing; the visitor's way on is a person: "escalate".
        if verdict.decision == Decision::SmallTalk {
            verdict.decision = Decision::Escalate;
        }
        let ids: Vec<&str> = verdict.docs.iter().map(|&d| index.slug(d)).collect();
        score.add(q.expected.as_deref(), verdict.decision, &ids);
        counts[verdict.decision as usize] += 1;
        if let Some(w) = out.as_mut() {
            let row = DecisionRow {
                text: &q.text,
                decision: verdict.decision,
                articles: ids,
            };
            serde_json::to_writer(&mut *w, &row).map_err(|e| e.to_string())?;
            w.write_all(b"\n").map_err(|e| e.to_string())?;
        }
    }
    let per_question_us = started.elapsed().as_secs_f64() * 1e6 / questions.len().max(1) as f64;
    if let Some(mut w) = out {
        w.flush().map_err(|e| e.to_string())?;
    }
    println!(
        "articles {}  questions {} ({} in scope, {} out of scope)",
        articles.len(),
        questions.len(),
        score.in_scope,
        score.out_of_scope
    );
    println!(
        "decisions: answer {}  suggest {}  escalate {}",
        counts[0], counts[1], counts[2]
    );
    println!("index build {build_ms:.1} ms, {per_question_us:.1} µs per question");
    println!(
        "ranking: right article first {:.3}, in top 3 {:.3}",
        ratio(recall[0], score.in_scope),
        ratio(recall[1], score.in_scope)
    );
    println!("precision        {:.3}", ratio(score.right, score.answered));
    println!(
        "coverage         {:.3}",
        ratio(score.right + score.suggested_right, score.in_scope)
    );
    println!(
        "false deflection {:.3}",
        ratio(score.deflected, score.out_of_scope)
    );
    println!(
        "out of scope given suggestions {:.3}",
        ratio(score.oos_suggested, score.out_of_scope)
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frontdesk-eval: {e}");
            eprintln!(
                "usage: frontdesk-eval --articles A.jsonl --questions Q.jsonl [--out D.jsonl]"
            );
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_the_eval_definitions() {
        let mut s = Score::default();
        s.add(Some("a"), Decision::Answer, &["a"]);
        s.add(Some("a"), Decision::Answer, &["b"]);
        s.add(Some("c"), Decision::Suggest, &["x", "y", "c"]);
        s.add(Some("c"), Decision::Suggest, &["x", "y", "z", "c"]);
        s.add(Some("d"), Decision::Escalate, &[]);
        s.add(None, Decision::Answer, &["a"]);
        s.add(None, Decision::Escalate, &[]);
        assert_eq!(ratio(s.right, s.answered), 0.5);
        assert_eq!(ratio(s.right + s.suggested_right, s.in_scope), 2.0 / 5.0);
        assert_eq!(ratio(s.deflected, s.out_of_scope), 0.5);
    }
}
