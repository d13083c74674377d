//! What a model provider sends back, decoded: server-sent events split into
//! network chunks anywhere, each provider's event and body formats, the
//! answer accumulator that decides what the visitor sees, embeddings and the
//! ticket summary cleaner. Nothing may panic; the SSE decoder's events do not
//! depend on where the chunks were cut; what the accumulator forwarded is
//! exactly the final answer, bounded, citing only sources that exist.
#![no_main]

use frontdesk_shared::llm::summary::{clean_summary, MAX_MODEL_SUMMARY_CHARS};
use frontdesk_shared::llm::{
    parse_embeddings, parse_openai_embeddings, AnswerAccumulator, AnswerOutcome, Provider,
    SseDecoder, MAX_ANSWER_CHARS,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte: number of sources (0–7) and the chunking; the rest is the
    // response body.
    let Some((&seed, body)) = data.split_first() else {
        return;
    };
    let sources = usize::from(seed & 7);

    let whole = {
        let mut d = SseDecoder::new();
        let mut events = d.push(body);
        events.extend(d.finish());
        events
    };
    let chunked = {
        let mut d = SseDecoder::new();
        let mut events = Vec::new();
        let mut rest = body;
        let mut step = usize::from(seed >> 3) + 1;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(step.min(rest.len()));
            events.extend(d.push(chunk));
            rest = tail;
            step = step * 7 % 31 + 1;
        }
        events.extend(d.finish());
        events
    };
    assert_eq!(whole, chunked, "events depend on the chunking");

    for provider in [Provider::OpenAiCompatible, Provider::WorkersAi] {
        // The streamed answer, as the worker forwards it.
        let mut acc = AnswerAccumulator::new(sources);
        let mut forwarded = String::new();
        let mut streamed = String::new();
        for event in &whole {
            match provider.parse_event(&event.data) {
                Ok(delta) => {
                    streamed.push_str(&delta.text);
                    forwarded.push_str(&acc.push(&delta.text));
                    if delta.done {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let finished = acc.finish();
        forwarded.push_str(&finished.rest);
        match finished.outcome {
            AnswerOutcome::Answer { text, cited } => {
                assert_eq!(forwarded, text, "forwarded text is not the answer");
                assert!(text.chars().count() <= MAX_ANSWER_CHARS);
                assert!(!text.trim().is_empty());
                assert!(cited.iter().all(|&c| c < sources), "{cited:?} of {sources}");
                let mut unique = cited.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), cited.len());
            }
            AnswerOutcome::NoAnswer | AnswerOutcome::Garbage(_) => {
                assert!(finished.rest.is_empty());
            }
        }
        // The same text in one delta or a character at a time: the same
        // verdict (below the length cap, where cutting depends on the pieces).
        if streamed.chars().count() < MAX_ANSWER_CHARS {
            let whole = accumulate(sources, [streamed.clone()]);
            let by_char = accumulate(sources, streamed.chars().map(String::from));
            assert_eq!(whole, by_char, "the verdict depends on the deltas");
        }
        // The same body as one JSON document, or as a stream read whole.
        let text = String::from_utf8_lossy(body);
        let _ = provider.parse_body(&text);
        let _ = provider.completion_text(&text, true);
        let _ = provider.completion_text(&text, false);
    }

    let text = String::from_utf8_lossy(body);
    for parse in [parse_embeddings, parse_openai_embeddings] {
        if let Ok(vectors) = parse(&text, sources) {
            assert_eq!(vectors.len(), sources);
            let dims = vectors.first().map_or(0, Vec::len);
            assert!(vectors.iter().all(|v| v.len() == dims && !v.is_empty()));
            assert!(vectors.iter().flatten().all(|x| x.is_finite()));
        }
    }
    if let Some(summary) = clean_summary(&text) {
        assert!(summary.chars().count() <= MAX_MODEL_SUMMARY_CHARS + 1);
        assert!(!summary.trim().is_empty());
    }
});

/// The outcome of an answer sent as `deltas`.
fn accumulate(sources: usize, deltas: impl IntoIterator<Item = String>) -> AnswerOutcome {
    let mut acc = AnswerAccumulator::new(sources);
    for d in deltas {
        acc.push(&d);
    }
    acc.finish().outcome
}
