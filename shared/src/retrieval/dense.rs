//! The dense (embedding) view of the help centre: what is embedded for each
//! article, and how a question's similarity to those passages becomes one
//! similarity per article.
//!
//! An article is embedded as passages ("chunks") of at most [`CHUNK_CHARS`]
//! of its text: consecutive sections packed together (a two-line section
//! or a "Further reading" list alone says little, and such fragments end up
//! near every question), a long section cut into windows at paragraph or
//! line breaks. Each chunk starts with the article's title and carries its
//! sections' headings, so a passage deep in a long article still says what
//! it is about; the first also carries the article's example questions. An
//! article's similarity to a question is the mean of its first chunk's
//! and its nearest chunk's ([`per_doc`]).

use std::ops::Range;

use super::Passage;

/// Longest text of one embedded passage (its window of the section), in
/// characters: about 200 tokens of English, well inside the 512 tokens
/// small embedding models read, and short enough that one topic dominates.
const CHUNK_CHARS: usize = 900;
/// Most passages embedded per article: a 10,000-article help centre stays
/// at most this many vectors per article, and an article's first sections
/// are where its topic is set out.
pub(super) const MAX_CHUNKS: usize = 12;

/// One embedded passage of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Chunk {
    /// What is embedded: title, headings, text, and for an article's first
    /// chunk its example questions.
    pub text: String,
    /// The text it holds: per piece, the section (an index into the
    /// article's passages) and the byte range in that section's text.
    /// Empty for an article with no text (its title and questions only).
    pub pieces: Vec<(usize, Range<usize>)>,
}

/// The chunks to embed for one article, in order.
pub(super) fn chunks(title: &str, questions: &[String], passages: &[Passage]) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    // (section, range, heading to show) of every window, in order.
    let mut pieces = Vec::new();
    for (i, p) in passages.iter().enumerate() {
        let mut first = true;
        for window in windows(&p.text, CHUNK_CHARS) {
            let start = window.as_ptr() as usize - p.text.as_ptr() as usize;
            let heading =
                Some(p.heading.as_str()).filter(|h| first && !h.is_empty() && *h != title);
            pieces.push((i, start..start + window.len(), heading));
            first = false;
        }
    }
    let mut current: Option<(Chunk, usize)> = None;
    for (i, range, heading) in pieces {
        let len = range.len() + heading.map_or(0, str::len);
        if let Some((chunk, used)) = current.take() {
            if used + len <= CHUNK_CHARS {
                current = Some((chunk, used + len));
            } else {
                out.push(chunk);
                if out.len() == MAX_CHUNKS {
                    break;
                }
            }
        }
        let (chunk, _) = current.get_or_insert_with(|| {
            (
                Chunk {
                    text: title.to_owned(),
                    pieces: vec![],
                },
                len,
            )
        });
        if let Some(h) = heading {
            chunk.text.push('\n');
            chunk.text.push_str(h);
        }
        chunk.text.push('\n');
        chunk.text.push_str(&passages[i].text[range.clone()]);
        chunk.pieces.push((i, range));
    }
    if let Some((chunk, _)) = current {
        if out.len() < MAX_CHUNKS {
            out.push(chunk);
        }
    }
    if out.is_empty() {
        out.push(Chunk {
            text: title.to_owned(),
            pieces: vec![],
        });
    }
    if !questions.is_empty() {
        let first = &mut out[0].text;
        for q in questions {
            first.push('\n');
            first.push_str(q);
        }
    }
    out
}

/// The text a chunk holds, its pieces separated by blank lines.
pub(super) fn chunk_text(chunk: &Chunk, passages: &[Passage]) -> String {
    let parts: Vec<&str> = chunk
        .pieces
        .iter()
        .map(|(i, r)| &passages[*i].text[r.clone()])
        .collect();
    parts.join("\n\n")
}

/// `text` cut into windows of at most `max` characters, at a blank line if
/// the window has one past its middle, else at a line break, else at a
/// space, else anywhere. Empty text gives no window.
fn windows(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((limit, _)) = rest.char_indices().nth(max) else {
            out.push(rest);
            break;
        };
        let window = &rest[..limit];
        let half = limit / 2;
        let cut = [window.rfind("\n\n"), window.rfind('\n'), window.rfind(' ')]
            .into_iter()
            .flatten()
            .find(|&i| i >= half)
            .unwrap_or(limit);
        let piece = rest[..cut].trim();
        if !piece.is_empty() {
            out.push(piece);
        }
        rest = rest[cut..].trim_start();
    }
    out
}

/// Per article: the mean of its opening chunk's similarity and its nearest
/// chunk's. The opening (title and first sections) says what the article
/// is about; the nearest chunk finds the answer deep in a long one. Either
/// alone did worse on ../shared/eval/arduino (dev, multilingual-e5-small):
/// the nearest chunk alone lets short generic passages ("Further reading",
/// a link list) of unrelated articles win (right article first 0.66);
/// the opening alone misses answers further down. The mean needs no
/// model-specific constant. `chunk_doc` maps each passage to its article,
/// an article's passages consecutive (as [`super::Index`] builds it);
/// `None` when `similarity` is not one value per passage (vectors of
/// another content version) or holds a non-number.
///
/// One pass over each article's run of passages, with plain comparisons:
/// `f32::max` handles NaN and compiles to a call, which made this a third
/// of a hybrid decision at 10,000 articles.
pub(super) fn per_doc(chunk_doc: &[u32], docs: usize, similarity: &[f32]) -> Option<Vec<f32>> {
    if similarity.len() != chunk_doc.len() || similarity.iter().any(|s| !s.is_finite()) {
        return None;
    }
    // An article without passages cannot happen (each has at least its
    // title), but a stray one must not rank first.
    let mut out = vec![-1.0f32; docs];
    let mut at = 0;
    for run in chunk_doc.chunk_by(|a, b| a == b) {
        let s = &similarity[at..at + run.len()];
        at += run.len();
        let nearest = s.iter().fold(s[0], |m, &x| if x > m { x } else { m });
        if let Some(o) = out.get_mut(run[0] as usize) {
            *o = (s[0] + nearest) / 2.0;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cut_at_paragraphs_and_cover_the_text() {
        // Paragraphs of 500 characters: two do not fit in one window.
        let para = "word ".repeat(100);
        let text = format!("{para}\n\n{para}\n\n{para}");
        let w = windows(&text, 900);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w.iter().all(|w| *w == para.trim()));
        assert!(w.iter().all(|w| w.chars().count() <= 900));
        let words: usize = w.iter().map(|w| w.split_whitespace().count()).sum();
        assert_eq!(words, 300);
        // No break at all: cut anyway, every character kept.
        let solid = "x".repeat(2000);
        let w = windows(&solid, 900);
        assert_eq!(w.iter().map(|w| w.len()).sum::<usize>(), 2000);
        assert!(windows("  \n ", 900).is_empty());
        // Multi-byte text is cut on character boundaries.
        let accents = "é".repeat(1000);
        let w = windows(&accents, 900);
        assert_eq!(w.len(), 2);
    }

    fn passage(heading: &str, text: &str) -> Passage {
        Passage {
            heading: heading.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn chunks_pack_sections_and_carry_title_headings_and_questions() {
        let qs = vec!["How do I pay?".to_owned()];
        let ps = [
            passage("", " Intro."),
            passage("Empty", ""),
            passage("Refunds", "Ask us."),
        ];
        let c = chunks("Billing", &qs, &ps);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(
            c[0].text,
            "Billing\nIntro.\nRefunds\nAsk us.\nHow do I pay?"
        );
        assert_eq!(chunk_text(&c[0], &ps), "Intro.\n\nAsk us.");
        // Sections that do not fit together go to chunks of their own.
        let long = "word ".repeat(120);
        let ps = [passage("", &long), passage("Refunds", &long)];
        let c = chunks("Billing", &[], &ps);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[1].text.starts_with("Billing\nRefunds\nword"));
        assert_eq!(chunk_text(&c[1], &ps), long.trim());
        // An article with only a title and questions: one passage.
        let c = chunks("Billing", &qs, &[]);
        assert_eq!(
            (c[0].text.as_str(), c[0].pieces.len()),
            ("Billing\nHow do I pay?", 0)
        );
        // Long articles stop at MAX_CHUNKS.
        let para = "para ".repeat(170) + "\n\n";
        let body = para.repeat(40);
        assert_eq!(chunks("T", &[], &[passage("", &body)]).len(), MAX_CHUNKS);
    }

    #[test]
    fn an_article_scores_its_opening_and_its_nearest_passage() {
        assert_eq!(
            per_doc(&[0, 0, 1], 2, &[0.2, 0.6, 0.5]),
            Some(vec![0.4, 0.5])
        );
        assert_eq!(per_doc(&[0, 1], 2, &[0.2]), None);
        assert_eq!(per_doc(&[0, 1], 2, &[0.2, f32::NAN]), None);
    }
}
