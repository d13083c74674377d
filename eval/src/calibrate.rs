//! `frontdesk-calibrate`: chooses the hybrid decision's thresholds
//! ([`HybridThresholds`]) from `frontdesk-eval --embeddings … --out` files,
//! one per question set, by k-fold cross-validation over all sets at once.
//!
//! ```text
//! frontdesk-calibrate --set A.jsonl --min-precision 0.95 --min-coverage 0.80 \
//!                     --set B.jsonl --min-precision 0.97 --min-coverage 0.90
//! ```
//!
//! Each question's signals (what the engine's hybrid decision rested on) and
//! ranking are in the file, so every point of a grid of round values is
//! scored by the engine's own [`HybridThresholds::decide`], without running
//! the engine again. A point's worth on a set: the share of in-scope
//! questions answered, less half the share of out-of-scope ones given
//! suggestions, less a penalty for each bar it misses (the set's
//! `--min-precision` and `--min-coverage`, and `--max-false-deflection`,
//! default 0.02); summed over the sets. On each fold the best point of the
//! other folds is chosen and scored on it: the held-out averages are what
//! to expect on new questions. Printed: each fold's choice, the held-out
//! averages, the point the whole data chooses, and the default's scores.
//! `--min-*` options apply to the `--set` before them.

use std::path::PathBuf;
use std::process::ExitCode;

use frontdesk_api::wire::Decision;
use frontdesk_shared::retrieval::{HybridSignals, HybridThresholds};
use serde::Deserialize;

/// Folds of the cross-validation.
const FOLDS: usize = 5;
/// Weight of a missed bar, per unit missed: large enough that a point
/// meeting the bars always beats one that does not by a few points.
const PENALTY: f64 = 20.0;

#[derive(Deserialize)]
struct Row {
    expected: Option<String>,
    decision: Decision,
    /// The hybrid ranking's first five: id, score.
    ranked: Vec<(String, f32)>,
    signals: Option<HybridSignals>,
}

/// One question as the grid needs it.
struct Question {
    expected: Option<String>,
    /// The decision when no hybrid signals decided it (small talk, a
    /// request for a person): the same at every point.
    fixed: Option<Decision>,
    signals: Option<HybridSignals>,
    top3: Vec<String>,
}

struct Set {
    path: PathBuf,
    min_precision: f64,
    min_coverage: f64,
    questions: Vec<Question>,
}

#[derive(Default, Clone, Copy)]
struct Scores {
    answered: f64,
    precision: f64,
    coverage: f64,
    false_deflection: f64,
    suggested_out_of_scope: f64,
}

fn score<'a>(questions: impl Iterator<Item = &'a Question>, th: &HybridThresholds) -> Scores {
    let (mut in_scope, mut out, mut answered, mut right, mut suggested_right) = (0, 0, 0, 0, 0);
    let (mut deflected, mut suggested_out) = (0, 0);
    for q in questions {
        let decision = match (q.fixed, &q.signals) {
            (Some(d), _) => d,
            (None, Some(s)) => th.decide(s),
            (None, None) => Decision::Escalate,
        };
        let top = q.top3.first().map(String::as_str);
        match &q.expected {
            Some(want) => {
                in_scope += 1;
                match decision {
                    Decision::Answer => {
                        answered += 1;
                        right += usize::from(top == Some(want.as_str()));
                    }
                    Decision::Suggest => {
                        suggested_right += usize::from(q.top3.iter().any(|t| t == want));
                    }
                    _ => {}
                }
            }
            None => {
                out += 1;
                deflected += usize::from(decision == Decision::Answer);
                suggested_out += usize::from(decision == Decision::Suggest);
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Scores {
        answered: ratio(answered, in_scope),
        precision: if answered == 0 {
            1.0
        } else {
            ratio(right, answered)
        },
        coverage: ratio(right + suggested_right, in_scope),
        false_deflection: ratio(deflected, out),
        suggested_out_of_scope: ratio(suggested_out, out),
    }
}

fn worth(s: &Scores, set: &Set, max_false_deflection: f64) -> f64 {
    let missed = (set.min_precision - s.precision).max(0.0)
        + (set.min_coverage - s.coverage).max(0.0)
        + (s.false_deflection - max_false_deflection).max(0.0);
    s.answered - 0.5 * s.suggested_out_of_scope - PENALTY * missed
}

/// The grid: round values around the default, a step either side and more.
fn grid() -> Vec<HybridThresholds> {
    let mut out = Vec::new();
    let base = HybridThresholds::default();
    for answer_sum in [4.5, 4.75, 5.0, 5.25] {
        for answer_sum_alone in [5.5, 6.0, 6.5, f32::INFINITY] {
            for answer_gap in [0.25, 0.5, 0.75] {
                for suggest_sum in [2.75, 3.0, 3.25, 3.5] {
                    for suggest_coverage_weight in [1.0, 2.0, 3.0] {
                        out.push(HybridThresholds {
                            answer_sum,
                            answer_sum_alone,
                            answer_gap,
                            suggest_sum,
                            suggest_coverage_weight,
                            ..base
                        });
                    }
                }
            }
        }
    }
    out
}

/// The grid point worth most on the questions `keep` selects (by set, index).
fn best(
    sets: &[Set],
    points: &[HybridThresholds],
    max_fd: f64,
    keep: impl Fn(usize) -> bool + Copy,
) -> HybridThresholds {
    let value = |th: &HybridThresholds| -> f64 {
        sets.iter()
            .map(|set| {
                let qs = set.questions.iter().enumerate().filter(|(i, _)| keep(*i));
                worth(&score(qs.map(|(_, q)| q), th), set, max_fd)
            })
            .sum()
    };
    // The first of equals: the grid is in increasing order, so ties go to
    // the lower (stricter on nothing, simpler) values.
    let mut best = (points[0], f64::NEG_INFINITY);
    for p in points {
        let v = value(p);
        if v > best.1 {
            best = (*p, v);
        }
    }
    best.0
}

fn describe(th: &HybridThresholds) -> String {
    format!(
        "answer sum {} (against the words {}), gap {}; suggest sum {} with coverage × {}",
        th.answer_sum,
        th.answer_sum_alone,
        th.answer_gap,
        th.suggest_sum,
        th.suggest_coverage_weight
    )
}

fn print_scores(name: &str, s: &Scores) {
    println!(
        "  {name}: answered {:.3} at precision {:.3}, coverage {:.3}, false deflection {:.3}, \
         out of scope suggested {:.3}",
        s.answered, s.precision, s.coverage, s.false_deflection, s.suggested_out_of_scope
    );
}

fn load(path: &PathBuf) -> Result<Vec<Question>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: Row =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        out.push(Question {
            fixed: row.signals.is_none().then_some(match row.decision {
                // As frontdesk-eval scores it: small talk leads to a person.
                Decision::SmallTalk => Decision::Escalate,
                d => d,
            }),
            expected: row.expected,
            signals: row.signals,
            top3: row.ranked.into_iter().take(3).map(|(id, _)| id).collect(),
        });
    }
    if !out.iter().any(|q| q.signals.is_some()) {
        return Err(format!(
            "{}: no hybrid signals (run frontdesk-eval with --embeddings and --out)",
            path.display()
        ));
    }
    Ok(out)
}

/// The set a `--min-*` option applies to: the last one given.
fn last<'a>(sets: &'a mut [Set], flag: &str) -> Result<&'a mut Set, String> {
    sets.last_mut()
        .ok_or_else(|| format!("{flag} applies to the --set before it"))
}

fn run() -> Result<(), String> {
    let mut sets: Vec<Set> = Vec::new();
    let mut max_fd = 0.02;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<f64>()
                .map_err(|_| format!("{flag} needs a number, not {value:?}"))
        };
        match flag.as_str() {
            "--set" => {
                let path = PathBuf::from(&value);
                sets.push(Set {
                    questions: load(&path)?,
                    path,
                    min_precision: 0.95,
                    min_coverage: 0.0,
                });
            }
            "--min-precision" => last(&mut sets, &flag)?.min_precision = number()?,
            "--min-coverage" => last(&mut sets, &flag)?.min_coverage = number()?,
            "--max-false-deflection" => max_fd = number()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if sets.is_empty() {
        return Err(
            "usage: frontdesk-calibrate --set OUT.jsonl [--min-precision P] \
                    [--min-coverage C] [--set …] [--max-false-deflection F]"
                .into(),
        );
    }
    let points = grid();
    println!(
        "{} grid points, {FOLDS}-fold cross-validation over {} sets",
        points.len(),
        sets.len()
    );
    // Question i of a set is in fold i mod FOLDS (the sets' orders are
    // their files', so folds mix every kind of question).
    let mut held_out: Vec<Vec<Scores>> = vec![Vec::new(); sets.len()];
    for fold in 0..FOLDS {
        let chosen = best(&sets, &points, max_fd, |i| i % FOLDS != fold);
        println!("fold {fold}: {}", describe(&chosen));
        for (s, set) in sets.iter().enumerate() {
            let qs = set
                .questions
                .iter()
                .enumerate()
                .filter(|(i, _)| i % FOLDS == fold);
            held_out[s].push(score(qs.map(|(_, q)| q), &chosen));
        }
    }
    println!("held out, averaged over the folds:");
    for (set, folds) in sets.iter().zip(&held_out) {
        let n = folds.len() as f64;
        let mean = |f: fn(&Scores) -> f64| folds.iter().map(f).sum::<f64>() / n;
        let avg = Scores {
            answered: mean(|s| s.answered),
            precision: mean(|s| s.precision),
            coverage: mean(|s| s.coverage),
            false_deflection: mean(|s| s.false_deflection),
            suggested_out_of_scope: mean(|s| s.suggested_out_of_scope),
        };
        print_scores(&set.path.display().to_string(), &avg);
    }
    let all = best(&sets, &points, max_fd, |_| true);
    for (name, th) in [
        ("all the data chooses", all),
        ("the default", HybridThresholds::default()),
    ] {
        println!("{name}: {}", describe(&th));
        println!("  AI_HYBRID_THRESHOLDS=\"{}\"", th.to_setting());
        for set in &sets {
            print_scores(
                &set.path.display().to_string(),
                &score(set.questions.iter(), &th),
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frontdesk-calibrate: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_shared::retrieval::Words;

    fn q(expected: Option<&str>, top: &str, z: f32, coverage: f32) -> Question {
        Question {
            expected: expected.map(str::to_owned),
            fixed: None,
            signals: Some(HybridSignals {
                z,
                gap: 1.0,
                coverage,
                words: Words::Agree,
            }),
            top3: vec![top.to_owned(), "x".into(), "y".into()],
        }
    }

    #[test]
    fn scores_follow_the_engines_rule_and_the_best_point_meets_the_bars() {
        // Sums (z + gap + coverage): right answers at 5.5 and 4.9, a wrong
        // one at 4.6, an out-of-scope question at 3.6 (suggested from 3.25).
        let questions = vec![
            q(Some("a"), "a", 4.0, 0.5),
            q(Some("b"), "b", 3.4, 0.5),
            q(Some("c"), "d", 3.1, 0.5),
            q(None, "e", 2.6, 0.0),
        ];
        let th = HybridThresholds::default();
        let s = score(questions.iter(), &th);
        assert_eq!((s.answered, s.precision), (1.0 / 3.0, 1.0));
        assert_eq!(s.suggested_out_of_scope, 0.0);
        // At sum 4.5 the wrong one is answered too: precision 2/3.
        let loose = HybridThresholds {
            answer_sum: 4.5,
            ..th
        };
        let s = score(questions.iter(), &loose);
        assert_eq!((s.answered, s.precision), (1.0, 2.0 / 3.0));
        // With a precision bar of 0.95 the best point answers the two right
        // ones and not the wrong one: a sum above 4.6, at most 4.9.
        let set = Set {
            path: PathBuf::from("t"),
            min_precision: 0.95,
            min_coverage: 0.0,
            questions,
        };
        let sets = [set];
        let chosen = best(&sets, &grid(), 0.02, |_| true);
        assert!(
            chosen.answer_sum > 4.6 && chosen.answer_sum <= 4.9,
            "{chosen:?}"
        );
        let s = score(sets[0].questions.iter(), &chosen);
        assert_eq!((s.answered, s.precision), (2.0 / 3.0, 1.0));
    }
}
