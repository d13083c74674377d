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
//! (out-of-scope questions answered / out-of-scope questions), the share of
//! in-scope questions answered directly, and the share of out-of-scope
//! questions given suggestions.
//!
//! With `--embeddings <base URL>` the engine decides as the worker does
//! with an embedding provider configured (hybrid retrieval): articles'
//! passages and each question are embedded through the OpenAI-compatible
//! `<base URL>/embeddings` (`--embedding-model NAME`; `--input-type` sends
//! `input_type` query/passage, as E5-style servers want; the bearer key, if
//! any, from `AI_API_KEY`). Vectors are cached in `--cache DIR` (default
//! `target/eval-embeddings`), so a second run embeds only new text.
//! `AI_HYBRID_THRESHOLDS` in the environment sets the hybrid decision's
//! thresholds as it does the worker's.
//!
//! `--segment-articles N` builds the index in segments of N articles (the
//! worker's are `SEGMENT_DOCS`, 2,000): how a help centre of many
//! segments ranks, measured on a small one.

mod embed;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use embed::{Embedder, Kind};
use frontdesk_api::wire::Decision;
use frontdesk_shared::llm;
use frontdesk_shared::retrieval::kb::{self, Article};
use frontdesk_shared::retrieval::{
    Context, HybridSignals, HybridThresholds, Index, Policy, Thresholds, SEGMENT_DOCS,
};
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
    expected: Option<&'a str>,
    decision: Decision,
    articles: Vec<&'a str>,
    /// The hybrid (or lexical) ranking's first five: id, fused score.
    ranked: Vec<(&'a str, f32)>,
    /// The embedding model's nearest five articles: id, similarity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dense: Vec<(&'a str, f32)>,
    /// Mean and standard deviation of the per-article similarities.
    #[serde(skip_serializing_if = "Option::is_none")]
    dense_spread: Option<(f32, f32)>,
    /// The lexical ranking's first five: id, fused score, coverage.
    lexical: Vec<(&'a str, f32, f32)>,
    /// What the hybrid decision rested on (`frontdesk-calibrate` reads it).
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<HybridSignals>,
}

struct Args {
    articles: PathBuf,
    questions: PathBuf,
    out: Option<PathBuf>,
    embeddings: Option<String>,
    model: String,
    input_type: bool,
    cache: PathBuf,
    segment_articles: usize,
}

fn parse_args() -> Result<Args, String> {
    let (mut articles, mut questions, mut out, mut embeddings, mut model) =
        (None, None, None, None, None);
    let mut input_type = false;
    let mut cache = PathBuf::from("target/eval-embeddings");
    let mut segment_articles = SEGMENT_DOCS;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--input-type" {
            input_type = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--articles" => articles = Some(PathBuf::from(value)),
            "--questions" => questions = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            "--embeddings" => embeddings = Some(value),
            "--embedding-model" => model = Some(value),
            "--cache" => cache = PathBuf::from(value),
            "--segment-articles" => {
                segment_articles = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("--segment-articles needs a positive number")?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if model.is_some() && embeddings.is_none() {
        return Err("--embedding-model needs --embeddings".into());
    }
    Ok(Args {
        articles: articles.ok_or("--articles is required")?,
        questions: questions.ok_or("--questions is required")?,
        out,
        embeddings,
        model: model.unwrap_or_else(|| llm::EMBEDDING_MODEL.to_owned()),
        input_type,
        cache,
        segment_articles,
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

/// An eval article as a help article: examples become example questions,
/// the Markdown body is split at its headings as a help article's is.
fn article(row: ArticleRow) -> Article {
    Article {
        url: format!("/help/{}", row.id),
        slug: row.id,
        title: row.title,
        lang: row.lang.unwrap_or_else(|| "en".to_owned()),
        tags: vec![],
        questions: row.examples,
        sections: kb::body_sections(&row.body),
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
                    Decision::Escalate | Decision::SmallTalk | Decision::Action => {}
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
    let index = Index::build_segmented(&articles, Policy::default(), args.segment_articles);
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    // The worker's AI_HYBRID_THRESHOLDS, if set: measures a configuration
    // before it is deployed.
    let hybrid = match std::env::var("AI_HYBRID_THRESHOLDS") {
        Ok(v) => HybridThresholds::parse(&v).map_err(|e| e.to_string())?,
        Err(_) => HybridThresholds::default(),
    };
    let th = Thresholds {
        hybrid,
        ..Thresholds::default()
    };

    // With embeddings: every passage's vector, then one call per question.
    let mut embedder = match &args.embeddings {
        Some(base) => Some(Embedder::new(
            base,
            args.model.clone(),
            std::env::var("AI_API_KEY").ok().filter(|k| !k.is_empty()),
            args.input_type,
            &args.cache,
        )?),
        None => None,
    };
    let passages: Vec<Vec<f32>> = match embedder.as_mut() {
        Some(e) => {
            let texts = index.embedding_texts();
            let texts: Vec<&str> = texts.iter().map(|t| t.text.as_str()).collect();
            let started = Instant::now();
            let v = e.embed(Kind::Passage, &texts)?;
            println!(
                "passages {} ({} embedded now, {:.1} s)",
                texts.len(),
                e.embedded,
                started.elapsed().as_secs_f64()
            );
            v
        }
        None => vec![],
    };
    let similarities: Vec<Option<Vec<f32>>> = match embedder.as_mut() {
        Some(e) => {
            let texts: Vec<&str> = questions.iter().map(|q| q.text.as_str()).collect();
            e.embed(Kind::Query, &texts)?
                .iter()
                .map(|q| Some(passages.iter().map(|p| llm::cosine(q, p)).collect()))
                .collect()
        }
        None => vec![None; questions.len()],
    };

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
    for (q, semantic) in questions.iter().zip(&similarities) {
        let semantic = semantic.as_deref();
        let ranked = index.search(&q.text, semantic);
        if let Some(want) = q.expected.as_deref() {
            let pos = ranked
                .iter()
                .take(3)
                .position(|h| index.slug(h.doc) == want);
            recall[0] += usize::from(pos == Some(0));
            recall[1] += usize::from(pos.is_some());
        }
        let ctx = Context {
            semantic,
            ..Context::default()
        };
        let mut verdict = index.decide(&q.text, &ctx, &th, None).verdict;
        // The interface has three decisions. Small talk answers nothing and
        // suggests nothing; the visitor's way on is a person: "escalate".
        if verdict.decision == Decision::SmallTalk {
            verdict.decision = Decision::Escalate;
        }
        let ids: Vec<&str> = verdict.docs.iter().map(|&d| index.slug(d)).collect();
        score.add(q.expected.as_deref(), verdict.decision, &ids);
        counts[verdict.decision as usize] += 1;
        if let Some(w) = out.as_mut() {
            let per_doc = semantic.and_then(|s| index.dense_scores(s));
            let dense_spread = per_doc.as_ref().map(|d| {
                let n = d.len() as f32;
                let mean = d.iter().sum::<f32>() / n;
                let var = d.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
                (mean, var.sqrt())
            });
            let dense = per_doc
                .map(|d| {
                    let mut by: Vec<usize> = (0..d.len()).collect();
                    by.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
                    by.iter().take(5).map(|&i| (index.slug(i), d[i])).collect()
                })
                .unwrap_or_default();
            let row = DecisionRow {
                text: &q.text,
                expected: q.expected.as_deref(),
                decision: verdict.decision,
                articles: ids,
                ranked: ranked
                    .iter()
                    .take(5)
                    .map(|h| (index.slug(h.doc), h.score))
                    .collect(),
                dense,
                dense_spread,
                lexical: index
                    .search(&q.text, None)
                    .iter()
                    .take(5)
                    .map(|h| (index.slug(h.doc), h.score, h.coverage))
                    .collect(),
                signals: verdict.signals,
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
        "articles {}  questions {} ({} in scope, {} out of scope)  retrieval: {}",
        articles.len(),
        questions.len(),
        score.in_scope,
        score.out_of_scope,
        if embedder.is_some() {
            "hybrid (lexical + embeddings)"
        } else {
            "lexical"
        }
    );
    println!(
        "decisions: answer {}  suggest {}  escalate {}",
        counts[0], counts[1], counts[2]
    );
    println!(
        "index build {build_ms:.1} ms, {per_question_us:.1} µs per question (engine only, no embedding call)"
    );
    println!(
        "ranking: right article first {:.3}, in top 3 {:.3}",
        ratio(recall[0], score.in_scope),
        ratio(recall[1], score.in_scope)
    );
    println!(
        "answered directly {:.3} of in scope",
        ratio(score.answered, score.in_scope)
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
                "usage: frontdesk-eval --articles A.jsonl --questions Q.jsonl [--out D.jsonl] \\
                 [--embeddings BASE_URL [--embedding-model NAME] [--input-type] [--cache DIR]] \\
                 [--segment-articles N]"
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
