//! The patterns of string parameters (`pattern = "[0-9]{5}"`): the part
//! of regular expressions that describes identifiers — literals, `.`,
//! classes (`[a-z0-9_-]`, `[^…]`), `\d \w \s` and their negations, groups
//! (`(…)`, `(?:…)`) with `|`, and the quantifiers `? * + {n} {n,} {n,m}`.
//! No anchors (a value is matched whole anyway), backreferences,
//! lookaround or lazy quantifiers: the build refuses them.
//!
//! Small on purpose (the worker carries it; a full regex engine costs it
//! about 21 KB gzip), and safe on any input: matching counts its steps and
//! gives up (no match) past [`MAX_STEPS`], so a pattern like `(a*)*b`
//! cannot hang a turn.

use std::cell::Cell;

/// Steps one match (or one search of a text) may take before it gives up.
pub const MAX_STEPS: u32 = 200_000;
/// The largest count a `{n,m}` may name.
pub const MAX_REPEAT: u32 = 1000;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Node);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// One character of a class.
    Class(Vec<(char, char)>, bool),
    Seq(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

impl Pattern {
    /// Reads `src`, or says what in it is not supported.
    pub fn parse(src: &str) -> Result<Pattern, String> {
        let chars: Vec<char> = src.chars().collect();
        let mut at = 0;
        let node = alt(&chars, &mut at, 0)?;
        if at < chars.len() {
            return Err(format!("unexpected {:?}", chars[at]));
        }
        Ok(Pattern(node))
    }

    /// Whether all of `text` matches.
    pub fn whole(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        run(&self.0, &chars, 0, &Cell::new(0), &mut |end| {
            end == chars.len()
        })
    }

    /// The byte ranges of matches in `text`, leftmost first and not
    /// overlapping; each as long as the greedy quantifiers make it.
    pub fn find_all(&self, text: &str) -> Vec<(usize, usize)> {
        let chars: Vec<char> = text.chars().collect();
        let mut bytes = Vec::with_capacity(chars.len() + 1);
        let mut b = 0;
        for c in &chars {
            bytes.push(b);
            b += c.len_utf8();
        }
        bytes.push(b);
        let mut out = Vec::new();
        let mut start = 0;
        // One budget for the whole text, not one per start.
        let steps = Cell::new(0);
        while start <= chars.len() && steps.get() <= MAX_STEPS {
            let mut found = None;
            run(&self.0, &chars, start, &steps, &mut |end| {
                found = Some(end);
                true
            });
            match found {
                Some(end) if end > start => {
                    out.push((bytes[start], bytes[end]));
                    start = end;
                }
                _ => start += 1,
            }
        }
        out
    }
}

/// Tries `node` at `pos`; calls `k` with each end it reaches (greedy
/// first) until `k` says yes.
fn run(
    node: &Node,
    s: &[char],
    pos: usize,
    steps: &Cell<u32>,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    steps.set(steps.get() + 1);
    if steps.get() > MAX_STEPS {
        return false;
    }
    match node {
        Node::Class(ranges, negated) => {
            let hit = s
                .get(pos)
                .is_some_and(|&c| ranges.iter().any(|&(a, b)| a <= c && c <= b) != *negated);
            hit && k(pos + 1)
        }
        Node::Seq(items) => seq(items, s, pos, steps, k),
        Node::Alt(options) => options.iter().any(|o| run(o, s, pos, steps, k)),
        Node::Repeat(inner, min, max) => repeat(inner, *min, *max, 0, s, pos, steps, k),
    }
}

fn seq(
    items: &[Node],
    s: &[char],
    pos: usize,
    steps: &Cell<u32>,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    match items.split_first() {
        None => k(pos),
        Some((first, rest)) => run(first, s, pos, steps, &mut |p| seq(rest, s, p, steps, k)),
    }
}

#[allow(clippy::too_many_arguments)]
fn repeat(
    inner: &Node,
    min: u32,
    max: Option<u32>,
    done: u32,
    s: &[char],
    pos: usize,
    steps: &Cell<u32>,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    let more = max.is_none_or(|m| done < m);
    // Greedy: one more first (never an empty step, which could loop).
    if more
        && run(inner, s, pos, steps, &mut |p| {
            p > pos && repeat(inner, min, max, done + 1, s, p, steps, k)
        })
    {
        return true;
    }
    done >= min && k(pos)
}

fn alt(p: &[char], at: &mut usize, depth: u32) -> Result<Node, String> {
    if depth > 20 {
        return Err("groups nested too deep".into());
    }
    let mut options = vec![sequence(p, at, depth)?];
    while p.get(*at) == Some(&'|') {
        *at += 1;
        options.push(sequence(p, at, depth)?);
    }
    Ok(if options.len() == 1 {
        options.remove(0)
    } else {
        Node::Alt(options)
    })
}

fn sequence(p: &[char], at: &mut usize, depth: u32) -> Result<Node, String> {
    let mut items = Vec::new();
    while let Some(&c) = p.get(*at) {
        let atom = match c {
            '|' | ')' => break,
            '(' => {
                *at += 1;
                if p.get(*at..*at + 2) == Some(&['?', ':']) {
                    *at += 2;
                } else if p.get(*at) == Some(&'?') {
                    return Err("(?…) other than (?:…) is not supported".into());
                }
                let inner = alt(p, at, depth + 1)?;
                if p.get(*at) != Some(&')') {
                    return Err("a ( without a )".into());
                }
                *at += 1;
                inner
            }
            '[' => class(p, at)?,
            '.' => {
                *at += 1;
                Node::Class(vec![('\n', '\n')], true)
            }
            '\\' => {
                *at += 1;
                let (ranges, negated) = escape(p.get(*at).copied())?;
                *at += 1;
                Node::Class(ranges, negated)
            }
            '^' | '$' => return Err("anchors (^ $) are not supported".into()),
            '?' | '*' | '+' | '{' => return Err(format!("{c:?} with nothing to repeat")),
            ']' | '}' => return Err(format!("an unmatched {c:?}")),
            _ => {
                *at += 1;
                Node::Class(vec![(c, c)], false)
            }
        };
        items.push(quantified(p, at, atom)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Node::Seq(items)
    })
}

fn quantified(p: &[char], at: &mut usize, atom: Node) -> Result<Node, String> {
    let (min, max) = match p.get(*at) {
        Some('?') => (0, Some(1)),
        Some('*') => (0, None),
        Some('+') => (1, None),
        Some('{') => {
            let close = p[*at..]
                .iter()
                .position(|&c| c == '}')
                .ok_or("a { without a }")?;
            let inside: String = p[*at + 1..*at + close].iter().collect();
            let num = |s: &str| -> Result<u32, String> {
                s.parse::<u32>()
                    .ok()
                    .filter(|&n| n <= MAX_REPEAT)
                    .ok_or(format!(
                        "{{{inside}}}: counts are whole numbers up to {MAX_REPEAT}"
                    ))
            };
            let (min, max) = match inside.split_once(',') {
                None => (num(&inside)?, Some(num(&inside)?)),
                Some((lo, "")) => (num(lo)?, None),
                Some((lo, hi)) => (num(lo)?, Some(num(hi)?)),
            };
            if max.is_some_and(|m| m < min) {
                return Err(format!("{{{inside}}}: the larger count comes second"));
            }
            *at += close;
            (min, max)
        }
        _ => return Ok(atom),
    };
    *at += 1;
    if matches!(p.get(*at), Some('?' | '*' | '+' | '{')) {
        return Err("lazy or stacked quantifiers are not supported".into());
    }
    Ok(Node::Repeat(Box::new(atom), min, max))
}

/// `\x` outside or inside a class: its ranges, and whether they are
/// negated.
fn escape(c: Option<char>) -> Result<(Vec<(char, char)>, bool), String> {
    let digits = vec![('0', '9')];
    let word = vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
    let space = vec![(' ', ' '), ('\t', '\r')];
    match c {
        Some('d') => Ok((digits, false)),
        Some('D') => Ok((digits, true)),
        Some('w') => Ok((word, false)),
        Some('W') => Ok((word, true)),
        Some('s') => Ok((space, false)),
        Some('S') => Ok((space, true)),
        Some(c) if c.is_ascii_punctuation() || c == ' ' => Ok((vec![(c, c)], false)),
        Some(c) => Err(format!(
            "\\{c} is not supported (\\d \\w \\s, their negations, or \\ before punctuation)"
        )),
        None => Err("a \\ at the end".into()),
    }
}

fn class(p: &[char], at: &mut usize) -> Result<Node, String> {
    *at += 1;
    let negated = p.get(*at) == Some(&'^');
    if negated {
        *at += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *p.get(*at).ok_or("a [ without a ]")?;
        if c == ']' && !first {
            *at += 1;
            break;
        }
        first = false;
        let lo = if c == '\\' {
            *at += 1;
            let (r, neg) = escape(p.get(*at).copied())?;
            *at += 1;
            if neg {
                return Err("\\D \\W \\S inside [ ] are not supported".into());
            }
            if r.len() > 1 || r[0].0 != r[0].1 {
                ranges.extend(r);
                continue;
            }
            r[0].0
        } else {
            *at += 1;
            c
        };
        if p.get(*at) == Some(&'-') && p.get(*at + 1).is_some_and(|&n| n != ']') {
            let hi = p[*at + 1];
            if hi == '\\' {
                return Err("a range ending in an escape is not supported".into());
            }
            if hi < lo {
                return Err(format!("[{lo}-{hi}]: the range is backwards"));
            }
            ranges.push((lo, hi));
            *at += 2;
        } else {
            ranges.push((lo, lo));
        }
    }
    Ok(Node::Class(ranges, negated))
}
