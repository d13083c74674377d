use super::*;
use crate::llm::*;

// ----- answer accumulator ---------------------------------------------------

/// Feeds `deltas`; returns what the visitor saw and the verdict.
fn run(sources: usize, deltas: &[&str]) -> (Vec<String>, Finished) {
    let mut acc = AnswerAccumulator::new(sources);
    let shown = deltas.iter().map(|d| acc.push(d)).collect();
    (shown, acc.finish())
}

fn seen(shown: &[String], end: &Finished) -> String {
    shown.concat() + &end.rest
}

fn answer(text: &str, cited: &[usize]) -> AnswerOutcome {
    AnswerOutcome::Answer {
        text: text.into(),
        cited: cited.to_vec(),
    }
}

#[test]
fn sentinel_split_across_deltas_is_never_shown() {
    let (shown, end) = run(2, &["NO_", "ANSWER"]);
    assert_eq!(shown, ["", ""]);
    assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
    assert_eq!(end.rest, "");

    let (shown, end) = run(2, &["N", "O", "_", "A", "NS", "WER"]);
    assert!(shown.iter().all(String::is_empty));
    assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
}

#[test]
fn sentinel_with_decoration_is_recognised() {
    for deltas in [
        &[" NO_ANSWER."][..],
        &["\n\n", "NO_ANSWER", "\n"],
        &["  NO", "_ANSWER ."],
        &["**", "NO_ANSWER", "**"],
        &["`NO_", "ANSWER`"],
        &["\"NO_ANSWER\""],
        &["no_answer"],
        &["No_Answer!"],
        &["NO\\_", "ANSWER"],
        &["NO_ANSWER", "\n\nThe sources do not say."],
    ] {
        let (shown, end) = run(2, deltas);
        assert_eq!(seen(&shown, &end), "", "{deltas:?}");
        assert_eq!(end.outcome, AnswerOutcome::NoAnswer, "{deltas:?}");
    }
}

#[test]
fn a_stream_cut_inside_the_sentinel_is_still_no_answer() {
    let (shown, end) = run(2, &["NO_ANS"]);
    assert_eq!(seen(&shown, &end), "");
    assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
}

#[test]
fn sentinel_after_some_text_is_no_answer() {
    let (shown, end) = run(2, &["I could not find that. ", "NO_", "ANSWER"]);
    assert_eq!(shown.concat(), "I could not find that.");
    assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
    assert_eq!(end.rest, "");
}

#[test]
fn answers_starting_with_no_stream_once_decided() {
    let (shown, end) = run(1, &["No", ", you", " can't change it [1]."]);
    assert_eq!(shown, ["", "No, you", " can't change it [1]."]);
    assert_eq!(end.outcome, answer("No, you can't change it [1].", &[0]));

    let (shown, end) = run(1, &["N", "on", ", vous", " ne pouvez pas [1]."]);
    assert_eq!(shown, ["", "Non", ", vous", " ne pouvez pas [1]."]);
    assert_eq!(end.outcome, answer("Non, vous ne pouvez pas [1].", &[0]));

    let (shown, end) = run(1, &["NO", " ", "refunds after 30 days [1]"]);
    assert_eq!(shown, ["", "NO", " refunds after 30 days [1]"]);
    assert_eq!(end.outcome, answer("NO refunds after 30 days [1]", &[0]));

    let (shown, end) = run(1, &["Nothing to do."]);
    assert_eq!(shown, ["Nothing to do."]);
    assert_eq!(end.outcome, answer("Nothing to do.", &[]));
}

#[test]
fn a_bare_no_is_an_answer() {
    let (shown, end) = run(1, &["No"]);
    assert_eq!(shown, [""]);
    assert_eq!(end.rest, "No");
    assert_eq!(end.outcome, answer("No", &[]));
}

#[test]
fn no_inside_a_word_is_not_held() {
    let (shown, _) = run(1, &["Use the pia", "no"]);
    assert_eq!(shown, ["Use the pia", "no"]);
    let (shown, _) = run(1, &["It is the ", "no"]);
    assert_eq!(shown, ["It is the", ""]);
}

#[test]
fn citations_of_missing_sources_are_stripped() {
    let (shown, end) = run(2, &["Reset it in Settings [1][3]. Then log in [3]."]);
    assert_eq!(seen(&shown, &end), "Reset it in Settings [1]. Then log in.");
    assert_eq!(
        end.outcome,
        answer("Reset it in Settings [1]. Then log in.", &[0])
    );

    let (_, end) = run(2, &["A [2] b [1, 3] c [0] d [2]."]);
    assert_eq!(end.outcome, answer("A [2] b [1] c d [2].", &[1, 0]));

    let (_, end) = run(3, &["A [3, 1, 3]."]);
    assert_eq!(end.outcome, answer("A [3][1].", &[2, 0]));

    // Not citations: left alone.
    let (_, end) = run(1, &["Press [Save] or [ ] or [1a] or [1234]."]);
    assert_eq!(
        end.outcome,
        answer("Press [Save] or [ ] or [1a] or [1234].", &[])
    );
}

#[test]
fn a_citation_is_held_until_it_closes() {
    let (shown, end) = run(2, &["Done", " [", "3", "]", ". More [", "1", "]."]);
    assert_eq!(shown, ["Done", "", "", "", ". More", "", " [1]."]);
    assert_eq!(end.outcome, answer("Done. More [1].", &[0]));

    // Unclosed at the end: dropped.
    let (shown, end) = run(2, &["Done [1"]);
    assert_eq!(seen(&shown, &end), "Done");
    assert_eq!(end.outcome, answer("Done", &[]));
}

#[test]
fn empty_or_wordless_answers_are_garbage() {
    for deltas in [
        &[][..],
        &[""],
        &["   ", "\n\t"],
        &["..."],
        &["[1]"],
        &["[1] [2]."],
        &["[1]", " [2]", "."],
        &["**"],
    ] {
        let (shown, end) = run(2, deltas);
        assert!(
            matches!(end.outcome, AnswerOutcome::Garbage(_)),
            "{deltas:?}"
        );
        assert_eq!(seen(&shown, &end), "", "{deltas:?}");
    }
}

#[test]
fn leading_and_trailing_whitespace_is_trimmed() {
    let (shown, end) = run(1, &["\n  ", " Hello", " world ", "\n"]);
    assert_eq!(shown, ["", "Hello", " world", ""]);
    assert_eq!(end.outcome, answer("Hello world", &[]));
}

#[test]
fn long_answers_are_cut_at_a_word() {
    let word = "Wort ";
    let deltas: Vec<&str> = std::iter::repeat_n(word, 1000).collect();
    let mut acc = AnswerAccumulator::new(1);
    let mut shown = String::new();
    for d in &deltas {
        shown.push_str(&acc.push(d));
    }
    let end = acc.finish();
    shown.push_str(&end.rest);
    let AnswerOutcome::Answer { text, .. } = end.outcome else {
        panic!("{:?}", end.outcome)
    };
    assert_eq!(text, shown);
    assert!(text.chars().count() <= MAX_ANSWER_CHARS);
    assert!(text.chars().count() > MAX_ANSWER_CHARS - 10);
    assert!(text.ends_with("Wort…"), "{}", &text[text.len() - 20..]);
}

#[test]
fn long_answers_in_one_delta_are_cut_too() {
    let long = "中".repeat(MAX_ANSWER_CHARS * 2);
    let (shown, end) = run(1, &[&long, "more"]);
    assert_eq!(shown[1], "");
    let AnswerOutcome::Answer { text, .. } = end.outcome else {
        panic!("{:?}", end.outcome)
    };
    assert_eq!(text.chars().count(), MAX_ANSWER_CHARS);
    assert!(text.ends_with("中…"));
    // A citation is never cut in half.
    assert_eq!(cut_at_word("abc [12]", 6), "abc");
    assert_eq!(cut_at_word("abcdef[1", 100), "abcdef");
}

/// Wherever the deltas split, the verdict is the same and what the
/// visitor saw is the answer (or, before a late sentinel, part of the
/// text before it), never a piece of the sentinel.
#[test]
fn streamed_text_equals_the_final_text_at_every_split() {
    let samples = [
        "  Reset your password under Settings → Security [1][3]. Das geht schnell [2, 5].  ",
        "No, vous ne pouvez pas [1]. 中文回答 [2]",
        "**Note:** no refunds [1]. See [Terms] too [4].",
        "NO_ANSWER",
        "Sorry. NO_ANSWER",
        "no_answers are rare [1]",
        "",
    ];
    for sample in samples {
        let (whole, whole_end) = run(2, &[sample]);
        let cuts: Vec<usize> = (0..=sample.len())
            .filter(|&i| sample.is_char_boundary(i))
            .collect();
        for &i in &cuts {
            for &j in cuts.iter().filter(|&&j| j >= i) {
                let parts = [&sample[..i], &sample[i..j], &sample[j..]];
                let (shown, end) = run(2, &parts);
                assert_eq!(end.outcome, whole_end.outcome, "{parts:?}");
                let visible = seen(&shown, &end);
                match &end.outcome {
                    AnswerOutcome::Answer { text, .. } => {
                        assert_eq!(&visible, text, "{parts:?}");
                        assert_eq!(visible, seen(&whole, &whole_end), "{parts:?}");
                    }
                    _ => assert!(
                        sample.trim_start().starts_with(visible.as_str()),
                        "{parts:?} showed {visible:?}"
                    ),
                }
                for s in &shown {
                    assert!(
                        !s.to_ascii_uppercase().contains("NO_"),
                        "{parts:?} showed {s:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn pushes_after_the_sentinel_show_nothing() {
    let mut acc = AnswerAccumulator::new(1);
    assert_eq!(acc.push("NO_ANSWER"), "");
    assert_eq!(acc.push(" but actually, here is an answer [1]."), "");
    assert_eq!(acc.text(), "NO_ANSWER but actually, here is an answer [1].");
    assert_eq!(acc.finish().outcome, AnswerOutcome::NoAnswer);
}

#[test]
fn sentinel_constant_matches_its_forms() {
    assert!(SENTINEL_FORMS[0].eq_ignore_ascii_case(NO_ANSWER));
    assert!(matches!(match_sentinel(NO_ANSWER), SentinelMatch::Whole));
    assert!(matches!(
        match_sentinel("NO"),
        SentinelMatch::Begun { past_no: false }
    ));
    assert!(matches!(
        match_sentinel("NO\\"),
        SentinelMatch::Begun { past_no: true }
    ));
    assert!(matches!(match_sentinel("Non"), SentinelMatch::No));
}
