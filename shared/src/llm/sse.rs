//! Server-sent events: a decoder that takes response bytes in chunks of any
//! size and yields whole events.

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, if any (neither provider sets it for text).
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

/// Incremental `text/event-stream` decoder. Network chunks split anywhere
/// (inside a line, a CRLF or a UTF-8 character), so it keeps the unfinished
/// line between calls. Lines end in LF, CRLF or CR; lines starting with `:`
/// are comments; an empty line dispatches the event; `id` and `retry` are
/// ignored (no reconnection here).
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    after_cr: bool,
    /// A line was seen (so a byte-order mark is no longer possible).
    started: bool,
    event: Option<String>,
    data: String,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        SseDecoder::default()
    }

    /// Feeds bytes; returns the events they complete, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for &b in bytes {
            if std::mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            match b {
                b'\n' => self.end_line(&mut events),
                b'\r' => {
                    self.end_line(&mut events);
                    self.after_cr = true;
                }
                _ => self.line.push(b),
            }
        }
        events
    }

    /// Ends the stream. Unlike the spec, which drops an event without its
    /// final blank line, this dispatches it: some servers close right after
    /// `data: [DONE]\n`. A cut-off last line then fails to parse and shows up
    /// as [`AiError::Garbage`](super::AiError::Garbage), not as silence.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        if !self.line.is_empty() {
            self.end_line(&mut events);
        }
        self.dispatch(&mut events);
        *self = SseDecoder::new();
        events
    }

    fn end_line(&mut self, events: &mut Vec<SseEvent>) {
        let bytes = std::mem::take(&mut self.line);
        let mut line: &str = &String::from_utf8_lossy(&bytes);
        if !std::mem::replace(&mut self.started, true) {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => self.event = Some(value.to_owned()),
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        let event = self.event.take();
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the '\n' after the last data line
        events.push(SseEvent { event, data });
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::llm::*;

    // ----- SSE ---------------------------------------------------------------

    /// An OpenAI-style stream: comment, role-only chunk, multi-byte text,
    /// an `event:` field, finish_reason, [DONE]; LF and CRLF mixed.
    const STREAM: &str = concat!(
        ": keep-alive\r\n\r\n",
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"Caf\u{e9} \"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"\u{4e2d}\u{6587} [1]\"}}]}\r\n\r\n",
        "event: message\n",
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );

    pub(crate) fn decode(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(decoder.push(chunk));
        }
        events.extend(decoder.finish());
        events
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn sse_decodes_the_sample_stream() {
        let events = decode(&[STREAM.as_bytes()]);
        assert_eq!(
            data(&events),
            [
                r#"{"choices":[{"delta":{"role":"assistant"}}]}"#,
                "{\"choices\":[{\"delta\":{\"content\":\"Café \"}}]}",
                "{\"choices\":[{\"delta\":{\"content\":\"中文 [1]\"}}]}",
                r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#,
                "[DONE]",
            ]
        );
        assert_eq!(events[3].event.as_deref(), Some("message"));
        assert_eq!(events[0].event, None);
    }

    #[test]
    fn sse_is_split_proof_at_every_byte() {
        let bytes = STREAM.as_bytes();
        let whole = decode(&[bytes]);
        for i in 0..=bytes.len() {
            assert_eq!(decode(&[&bytes[..i], &bytes[i..]]), whole, "split at {i}");
        }
        for i in (0..=bytes.len()).step_by(3) {
            for j in i..=bytes.len() {
                let got = decode(&[&bytes[..i], &bytes[i..j], &bytes[j..]]);
                assert_eq!(got, whole, "split at {i} and {j}");
            }
        }
        let single: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode(&single), whole);
    }

    #[test]
    fn sse_stream_becomes_an_answer_at_every_split() {
        for i in 0..=STREAM.len() {
            let mut decoder = SseDecoder::new();
            let mut acc = AnswerAccumulator::new(1);
            let mut shown = String::new();
            let mut done = false;
            let mut events = decoder.push(&STREAM.as_bytes()[..i]);
            events.extend(decoder.push(&STREAM.as_bytes()[i..]));
            events.extend(decoder.finish());
            for event in events {
                let delta = Provider::OpenAiCompatible.parse_event(&event.data).unwrap();
                shown.push_str(&acc.push(&delta.text));
                done |= delta.done;
            }
            assert!(done);
            let end = acc.finish();
            shown.push_str(&end.rest);
            assert_eq!(shown, "Café 中文 [1]");
            assert_eq!(
                end.outcome,
                AnswerOutcome::Answer {
                    text: shown,
                    cited: vec![0]
                }
            );
        }
    }

    #[test]
    fn sse_joins_multi_line_data_and_reads_bare_fields() {
        let events = decode(&[b"data: line one\ndata:line two\ndata\n\n"]);
        assert_eq!(data(&events), ["line one\nline two\n"]);
    }

    #[test]
    fn sse_accepts_cr_only_line_ends() {
        let events = decode(&[b"data: a\rdata: b\r\rdata: c\r\r"]);
        assert_eq!(data(&events), ["a\nb", "c"]);
        // A CR at the end of a chunk, its LF at the start of the next.
        let events = decode(&[b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]);
        assert_eq!(data(&events), ["a", "b"]);
    }

    #[test]
    fn sse_ignores_comments_ids_and_events_without_data() {
        let events =
            decode(&[b": hi\n\nid: 7\nretry: 10\n\nevent: ping\n\n:data: no\ndata: yes\n\n"]);
        assert_eq!(data(&events), ["yes"]);
        assert_eq!(
            events[0].event, None,
            "the event name is reset after a dispatch"
        );
    }

    #[test]
    fn sse_empty_data_line_is_an_event() {
        let events = decode(&[b"data:\n\n"]);
        assert_eq!(data(&events), [""]);
        assert_eq!(
            Provider::OpenAiCompatible.parse_event("").unwrap(),
            Delta::default()
        );
    }

    #[test]
    fn sse_strips_a_leading_bom_and_replaces_bad_utf8() {
        let events = decode(&[b"\xEF\xBB", b"\xBFdata: x\n\ndata: \xFF\n\n"]);
        assert_eq!(data(&events), ["x", "\u{FFFD}"]);
    }

    #[test]
    fn sse_finish_dispatches_an_unterminated_last_event() {
        let mut decoder = SseDecoder::new();
        assert!(decoder.push(b"data: {\"a\":1}\n\ndata: [DONE]").len() == 1);
        assert_eq!(data(&decoder.finish()), ["[DONE]"]);
        assert!(decoder.finish().is_empty());
        // Reusable afterwards.
        assert_eq!(data(&decoder.push(b"data: again\n\n")), ["again"]);
    }
}
