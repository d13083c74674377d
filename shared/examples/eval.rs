//! Answer-quality check on a JSONL help centre (e.g. `../shared/eval/banking77`).
//!
//! `cargo run --release -p frontdesk-shared --example eval -- DIR [questions file]`
//!
//! Prints precision (right answers / answered in-scope questions), coverage
//! (right answers + right article among suggestions / in-scope questions) and
//! false deflection (out-of-scope questions answered / out-of-scope questions).

use std::path::PathBuf;

use frontdesk_shared::engine::{Index, Thresholds};
use frontdesk_shared::kb::{Article, Section};
use frontdesk_shared::wire::Decision;
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    id: String,
    title: String,
    body: String,
    examples: Vec<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
struct Question {
    text: String,
    expected: Option<String>,
}

fn lines<T: for<'de> Deserialize<'de>>(path: &PathBuf) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: eval DIR [QUESTIONS]"));
    let questions = args
        .next()
        .map_or_else(|| dir.join("questions.dev.jsonl"), PathBuf::from);
    let rows: Vec<Row> = lines(&dir.join("articles.jsonl"));
    let articles: Vec<Article> = rows
        .into_iter()
        .map(|r| Article {
            url: format!("/help/{}", r.id),
            slug: r.id,
            sections: vec![Section {
                heading: None,
                text: if r.body.is_empty() {
                    r.title.clone()
                } else {
                    r.body
                },
            }],
            title: r.title,
            lang: r.lang.unwrap_or_else(|| "en".into()),
            tags: vec![],
            questions: r.examples,
        })
        .collect();
    let index = Index::build(&articles);
    let th = Thresholds::default();
    let qs: Vec<Question> = lines(&questions);
    let (mut answered, mut right, mut suggested_right, mut in_scope, mut oos, mut oos_answered) =
        (0, 0, 0, 0, 0, 0);
    let (mut suggests, mut escalates) = (0, 0);
    let start = std::time::Instant::now();
    for q in &qs {
        let reply = index.respond(&q.text, &th);
        let urls: Vec<&str> = reply
            .sources
            .iter()
            .map(|s| s.url.trim_start_matches("/help/"))
            .collect();
        match reply.decision {
            Decision::Suggest => suggests += 1,
            Decision::Escalate => escalates += 1,
            Decision::Answer => {}
        }
        match &q.expected {
            Some(want) => {
                in_scope += 1;
                match reply.decision {
                    Decision::Answer => {
                        answered += 1;
                        if urls.first() == Some(&want.as_str()) {
                            right += 1;
                        }
                    }
                    Decision::Suggest if urls.iter().take(3).any(|u| u == want) => {
                        suggested_right += 1
                    }
                    _ => {}
                }
            }
            None => {
                oos += 1;
                if reply.decision == Decision::Answer {
                    oos_answered += 1;
                }
            }
        }
    }
    let per_q = start.elapsed().as_secs_f64() * 1e6 / qs.len() as f64;
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    println!(
        "questions: {} ({in_scope} in scope, {oos} out of scope), {:.0} µs per question",
        qs.len(),
        per_q
    );
    println!("decisions: {answered} answers to in-scope, {suggests} suggest, {escalates} escalate");
    println!("precision        {:.3}", ratio(right, answered));
    println!(
        "coverage         {:.3}",
        ratio(right + suggested_right, in_scope)
    );
    println!("false deflection {:.3}", ratio(oos_answered, oos));
}
