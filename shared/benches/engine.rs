//! Decision latency (a question on its own; a follow-up, read alone and
//! joined to the message before it) and index build time at 100, 1,000 and
//! 10,000 articles.
//!
//! `cargo bench -p frontdesk-shared --bench engine`
//!
//! The help centre is synthetic but shaped like a real one: English words
//! drawn with the frequencies they have in `kb/`, titles of 3–7 words, 5 example questions of
//! 5–12 words, and three sections of 40–80 words per article. Questions are
//! example questions with one word dropped and one word from elsewhere added.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use frontdesk_shared::retrieval::kb::{Article, Section};
use frontdesk_shared::retrieval::{Context, Index, Thresholds};

/// A small deterministic generator (xorshift64*), so every run sees the same KB.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

/// Real English: the words of the sample help centre in `kb/`, drawn with
/// their observed frequencies.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative counts.
    cdf: Vec<u64>,
}

impl Vocabulary {
    fn from_kb() -> Self {
        let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
            .join("../kb");
        let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
        for entry in std::fs::read_dir(dir).expect("kb/") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("utf-8");
            for w in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                *counts.entry(w.to_lowercase()).or_default() += 1;
            }
        }
        let mut total = 0;
        let (words, cdf) = counts
            .into_iter()
            .map(|(w, c)| {
                total += c;
                (w, total)
            })
            .unzip();
        Vocabulary { words, cdf }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let x = rng.next() % self.cdf[self.cdf.len() - 1];
        &self.words[self.cdf.partition_point(|c| *c <= x)]
    }

    fn sentence(&self, rng: &mut Rng, lo: usize, hi: usize) -> String {
        (0..rng.range(lo, hi))
            .map(|_| self.word(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn knowledge_base(n: usize) -> (Vec<Article>, Vec<String>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let vocab = Vocabulary::from_kb();
    let articles: Vec<Article> = (0..n)
        .map(|i| Article {
            slug: format!("a{i}"),
            title: vocab.sentence(&mut rng, 3, 7),
            url: format!("/help/a{i}"),
            lang: "en".into(),
            tags: vec![],
            questions: (0..5).map(|_| vocab.sentence(&mut rng, 5, 12)).collect(),
            sections: (0..3)
                .map(|s| Section {
                    heading: (s > 0).then(|| vocab.sentence(&mut rng, 2, 5)),
                    text: vocab.sentence(&mut rng, 40, 80),
                })
                .collect(),
        })
        .collect();
    let questions = (0..200)
        .map(|_| {
            let a = &articles[rng.below(n)];
            let mut words: Vec<String> = a.questions[rng.below(5)]
                .split(' ')
                .map(str::to_owned)
                .collect();
            words.remove(rng.below(words.len()));
            words.push(vocab.word(&mut rng).to_owned());
            words.join(" ")
        })
        .collect();
    (articles, questions)
}

fn decisions(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide");
    let th = Thresholds::default();
    for n in [100, 1_000, 10_000] {
        let (articles, questions) = knowledge_base(n);
        let index = Index::build(&articles);
        let mut i = 0;
        group.bench_with_input(BenchmarkId::from_parameter(n), &index, |b, index| {
            b.iter(|| {
                i = (i + 1) % questions.len();
                black_box(index.decide(black_box(&questions[i]), &Context::default(), &th, None))
            });
        });
    }
    group.finish();
}

/// A follow-up turn: the last three words of a question, after its first
/// words as the visitor's previous message (both read, alone and joined).
fn follow_ups(c: &mut Criterion) {
    let mut group = c.benchmark_group("follow-up");
    let th = Thresholds::default();
    for n in [100, 1_000, 10_000] {
        let (articles, questions) = knowledge_base(n);
        let index = Index::build(&articles);
        let pieces: Vec<(String, String)> = questions
            .iter()
            .map(|q| {
                let words: Vec<&str> = q.split(' ').collect();
                let cut = words.len().saturating_sub(3);
                (words[..cut].join(" "), words[cut..].join(" "))
            })
            .collect();
        let mut i = 0;
        group.bench_with_input(BenchmarkId::from_parameter(n), &index, |b, index| {
            b.iter(|| {
                i = (i + 1) % pieces.len();
                let (earlier, message) = &pieces[i];
                let ctx = Context {
                    earlier: &[earlier.as_str()],
                    ..Context::default()
                };
                black_box(index.decide(black_box(message), &ctx, &th, None))
            });
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for n in [100, 1_000, 10_000] {
        let (articles, _) = knowledge_base(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &articles, |b, a| {
            b.iter(|| black_box(Index::build(a)));
        });
    }
    group.finish();
}

criterion_group!(benches, decisions, follow_ups, build);
criterion_main!(benches);
