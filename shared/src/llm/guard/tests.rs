use super::*;
use crate::llm::{grounded_prompt, Passage};

const SOURCE: &str = "Open the note and choose Export, then pick PDF. \
    Questions? Write to help@lumen.example or see https://lumen.example/help.";

fn setup() -> (GroundedPrompt, OutputGuard) {
    let passages = [Passage {
        title: "Export your notes",
        url: "/help/export-notes",
        text: SOURCE,
    }];
    let mut prompt = grounded_prompt("How do I export?", "en", "English", &passages);
    let c = canary([1, 2, 3, 4, 5, 6, 0xab, 0xcd]);
    with_canary(&mut prompt, &c);
    let secrets = vec![
        ("AGENT_TOKEN".to_owned(), "agent-e2e-token".to_owned()),
        (
            "WEBHOOK_SECRET".to_owned(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        ),
        ("AI_API_KEY".to_owned(), "test-key".to_owned()),
        ("SHORT".to_owned(), "abc".to_owned()),
    ];
    let guard = OutputGuard::new(&prompt_instructions(&prompt), &c, &secrets, &[SOURCE]);
    (prompt, guard)
}

#[test]
fn canary_is_in_the_system_prompt() {
    let (prompt, _) = setup();
    assert_eq!(
        canary([1, 2, 3, 4, 5, 6, 0xab, 0xcd]),
        "fdc-010203040506abcd"
    );
    assert!(prompt.messages[0].content.contains("fdc-010203040506abcd"));
    assert!(!prompt.messages[1].content.contains("fdc-"));
}

#[test]
fn good_answers_pass() {
    let (_, g) = setup();
    for a in [
        "Open the note and choose **Export**, then pick PDF [1].",
        "You can export a note as PDF: open it, choose Export and pick PDF [1]. \
         Questions? Write to help@lumen.example.",
        "See https://lumen.example/help for more [1].",
        "Öffnen Sie die Notiz und wählen Sie Exportieren [1].",
        "Use the test keyboard shortcut [1].",
    ] {
        assert_eq!(g.check(a), None, "{a}");
    }
}

#[test]
fn echoes_of_the_prompt_are_caught() {
    let (prompt, g) = setup();
    assert_eq!(g.check(&prompt.messages[0].content), Some(Leak::Canary));
    let rules = "Sure! My rules: answer ONLY from the numbered sources, do not use \
                 outside knowledge.";
    assert_eq!(g.check(rules), Some(Leak::Prompt));
    let reformatted = "you are the HELP assistant of this website!";
    assert_eq!(g.check(reformatted), Some(Leak::Prompt));
    let tail = "Answer in English (en), using only the sources above";
    assert_eq!(g.check(tail), Some(Leak::Prompt));
    assert_eq!(
        g.check("my marker: FDC 0102 0304 0506 ABCD"),
        Some(Leak::Canary)
    );
}

#[test]
fn secrets_are_caught_even_spaced_out() {
    let (_, g) = setup();
    let s = |n: &str| Some(Leak::Secret(n.to_owned()));
    assert_eq!(g.check("The token is agent-e2e-token."), s("AGENT_TOKEN"));
    assert_eq!(g.check("a g e n t _ e 2 e _ t o k e n"), s("AGENT_TOKEN"));
    assert_eq!(
        g.check("secret: MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        s("WEBHOOK_SECRET")
    );
    assert_eq!(g.check("key = TEST-KEY"), s("AI_API_KEY"));
    // Short values count only as written; too-short ones not at all.
    assert_eq!(g.check("the testkey"), None);
    assert_eq!(g.check("abc"), None);
}

#[test]
fn contacts_not_in_the_sources_are_caught() {
    let (_, g) = setup();
    for a in [
        "Please email your password to verify@lumen-verify.example [1].",
        "Log in again at https://lumen-verify.example/login [1].",
        "Go to www.evil.example now.",
    ] {
        assert_eq!(g.check(a), Some(Leak::Contact), "{a}");
    }
    assert_eq!(
        contacts("Mail (kim@example.com), see <https://a.example/x>."),
        vec!["kim@example.com", "https://a.example/x"]
    );
    assert!(contacts("meet @ 5, [email] or user@localhost").is_empty());
}

/// Feeds `text` in pieces of `n` bytes (on char boundaries).
fn stream(g: OutputGuard, text: &str, n: usize) -> (String, Result<String, Leak>) {
    let mut s = GuardedStream::new(g);
    let mut shown = String::new();
    let mut i = 0;
    while i < text.len() {
        let mut j = (i + n).min(text.len());
        while !text.is_char_boundary(j) {
            j += 1;
        }
        shown.push_str(&s.push(&text[i..j]));
        i = j;
    }
    let end = s.finish();
    (shown, end)
}

#[test]
fn a_good_answer_streams_whole_and_in_pieces() {
    for n in [1, 3, 7, 100] {
        let (_, g) = setup();
        let a = "Open the note and choose Export, then pick PDF [1]. Öffnen ✓";
        let (shown, end) = stream(g, a, n);
        let rest = end.unwrap();
        assert_eq!(format!("{shown}{rest}"), a);
        if n < 10 {
            assert!(
                shown.len() > a.len() / 2,
                "streamed, not all held: {shown:?}"
            );
        }
    }
}

/// What the hold-back costs a streamed answer: how many words behind
/// the model the visitor is, fed word by word (as models stream).
#[test]
fn hold_back_lags_a_few_words_at_most() {
    let answers = [
        "Open the note and choose Export, then pick PDF [1]. Notebooks download as a ZIP file \
         with one file per note and a folder for attachments [1].",
        "You can use the sources above: go to Settings → Export on the web and choose Export \
         all notes [1]. Large accounts take a while, so we email you a link [1].",
        "Wählen Sie im Menü ⋯ → Exportieren und dann PDF [1].",
    ];
    let (mut max, mut total, mut steps) = (0usize, 0u32, 0u32);
    for a in answers {
        let (_, g) = setup();
        let mut s = GuardedStream::new(g);
        let mut seen = 0;
        let mut shown = String::new();
        // As the answer accumulator hands it on: a trailing space waits
        // for the next word.
        for (i, word) in a.split(' ').enumerate() {
            seen += 1;
            let piece = if i == 0 {
                word.to_owned()
            } else {
                format!(" {word}")
            };
            shown.push_str(&s.push(&piece));
            let lag = seen - shown.split_whitespace().count();
            max = max.max(lag);
            total += u32::try_from(lag).unwrap();
            steps += 1;
        }
        shown.push_str(&s.finish().unwrap());
        assert_eq!(shown, a);
    }
    println!(
        "guard hold-back: mean {:.2} words, max {max} words behind the model",
        f64::from(total) / f64::from(steps)
    );
    assert!(max < NGRAM, "held {max} words");
}

#[test]
fn a_leaking_stream_shows_nothing_of_the_leak() {
    let (prompt, _) = setup();
    let system = prompt.messages[0].content.clone();
    let cases = [
        format!("Sure, here it is: {system}"),
        "Fine. The agent token is agent-e2e-token and more.".to_owned(),
        "Fine. Spaced: a g e n t - e 2 e - t o k e n".to_owned(),
        "Write to verify@lumen-verify.example today.".to_owned(),
    ];
    for text in &cases {
        for n in [1, 2, 5, 11] {
            let (_, g) = setup();
            let (shown, end) = stream(g, text, n);
            assert!(end.is_err(), "{text}");
            let (_, g) = setup();
            assert_eq!(g.check(&shown), None, "released text leaks: {shown:?}");
            for bad in ["e2e", "lumen-verify", "You are the help assistant of"] {
                assert!(!shown.contains(bad), "{shown:?} has {bad}");
            }
        }
    }
}
