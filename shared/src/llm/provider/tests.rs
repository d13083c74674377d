use super::*;
use crate::llm::sse::tests::decode;
use crate::llm::*;

// ----- requests --------------------------------------------------------

fn messages() -> Vec<Message> {
    vec![
        Message {
            role: MessageRole::System,
            content: "s".into(),
        },
        Message {
            role: MessageRole::User,
            content: "u".into(),
        },
    ]
}

#[test]
fn openai_request_body() {
    let m = messages();
    let json = serde_json::to_string(&Provider::OpenAiCompatible.request("gpt-x", &m)).unwrap();
    assert_eq!(
        json,
        r#"{"model":"gpt-x","messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"stream":true,"temperature":0.1,"max_tokens":400}"#
    );
}

#[test]
fn workers_ai_request_body_leaves_out_the_model() {
    let m = messages();
    let json = serde_json::to_string(&Provider::WorkersAi.request("@cf/x", &m)).unwrap();
    assert_eq!(
        json,
        r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"stream":true,"temperature":0.1,"max_tokens":400}"#
    );
}

#[test]
fn chat_completions_url_joins() {
    let want = "http://127.0.0.1:9999/v1/chat/completions";
    for base in [
        "http://127.0.0.1:9999/v1",
        "http://127.0.0.1:9999/v1/",
        " http://127.0.0.1:9999/v1// ",
        "http://127.0.0.1:9999/v1/chat/completions",
        "http://127.0.0.1:9999/v1/chat/completions/",
    ] {
        assert_eq!(chat_completions_url(base), want, "{base:?}");
    }
    assert_eq!(
        chat_completions_url("https://api.example.com"),
        "https://api.example.com/chat/completions"
    );
    assert_eq!(
        chat_completions_url("https://x.azure.com/openai/deployments/d/?api-version=2024-02-01"),
        "https://x.azure.com/openai/deployments/d/chat/completions?api-version=2024-02-01"
    );
}

#[test]
fn event_stream_content_type() {
    assert!(is_event_stream("text/event-stream"));
    assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
    assert!(!is_event_stream("application/json"));
    assert!(!is_event_stream(""));
}

// ----- OpenAI-compatible events and bodies --------------------------------

fn openai(data: &str) -> Result<Delta, AiError> {
    Provider::OpenAiCompatible.parse_event(data)
}

fn delta(text: &str, done: bool) -> Delta {
    Delta {
        text: text.into(),
        done,
    }
}

#[test]
fn openai_events_map_to_deltas() {
    assert_eq!(
        openai(
            r#"{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#
        ),
        Ok(delta("Hi", false))
    );
    assert_eq!(
        openai(r#"{"choices":[{"delta":{"role":"assistant"}}]}"#),
        Ok(delta("", false))
    );
    assert_eq!(
        openai(r#"{"choices":[{"delta":{"role":"assistant","content":null}}]}"#),
        Ok(delta("", false))
    );
    assert_eq!(
        openai(r#"{"choices":[{"delta":{"content":"."},"finish_reason":"stop"}]}"#),
        Ok(delta(".", true))
    );
    assert_eq!(
        openai(r#"{"choices":[{"delta":{},"finish_reason":"length"}]}"#),
        Ok(delta("", true))
    );
    assert_eq!(openai("[DONE]"), Ok(delta("", true)));
    assert_eq!(openai(" [DONE] "), Ok(delta("", true)));
    // Azure's first chunk, and a usage-only last chunk.
    assert_eq!(
        openai(r#"{"choices":[],"prompt_filter_results":[]}"#),
        Ok(delta("", false))
    );
    assert_eq!(
        openai(r#"{"usage":{"prompt_tokens":1,"completion_tokens":2}}"#),
        Ok(delta("", false))
    );
    // Reasoning text is not answer text.
    assert_eq!(
        openai(r#"{"choices":[{"delta":{"reasoning_content":"hmm"}}]}"#),
        Ok(delta("", false))
    );
}

#[test]
fn openai_error_objects_are_provider_errors() {
    assert_eq!(
        openai(
            r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit"}}"#
        ),
        Err(AiError::Provider("Rate limit reached".into()))
    );
    assert_eq!(
        openai(r#"{"error":"model overloaded"}"#),
        Err(AiError::Provider("model overloaded".into()))
    );
    assert_eq!(
        openai(r#"{"error":{"code":500}}"#),
        Err(AiError::Provider(r#"{"code":500}"#.into()))
    );
    assert_eq!(
        openai(r#"{"object":"error","message":"bad model","code":404}"#),
        Err(AiError::Provider("bad model".into()))
    );
    // A null error is no error.
    assert_eq!(
        openai(r#"{"error":null,"choices":[{"delta":{"content":"ok"}}]}"#),
        Ok(delta("ok", false))
    );
}

#[test]
fn openai_garbage_is_a_typed_error() {
    for bad in [
        "not json",
        "{\"choices\":[{\"delta\":{\"content\":\"cut",
        "[1,2]",
        "\"text\"",
        "{}",
        r#"{"response":"workers ai shape"}"#,
        r#"{"choices":{"delta":"x"}}"#,
        r#"{"choices":[{"delta":{"content":5}}]}"#,
        r#"{"choices":[{"delta":"hi"}]}"#,
    ] {
        match openai(bad) {
            Err(AiError::Garbage(reason)) => assert!(!reason.is_empty()),
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
}

#[test]
fn openai_whole_bodies() {
    let p = Provider::OpenAiCompatible;
    assert_eq!(
        p.parse_body(r#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Go to Settings [1]."},"finish_reason":"stop"}],"usage":{}}"#),
        Ok("Go to Settings [1].".into())
    );
    assert_eq!(
        p.parse_body(r#"{"choices":[{"message":{"role":"assistant","content":null}}]}"#),
        Ok(String::new())
    );
    assert_eq!(
        p.parse_body(r#"{"error":{"message":"Invalid API key"}}"#),
        Err(AiError::Provider("Invalid API key".into()))
    );
    assert!(matches!(
        p.parse_body(r#"{"choices":[]}"#),
        Err(AiError::Garbage(_))
    ));
    assert!(matches!(
        p.parse_body("<html>502</html>"),
        Err(AiError::Garbage(_))
    ));
    assert!(matches!(
        p.parse_body(r#"{"ok":true}"#),
        Err(AiError::Garbage(_))
    ));
}

#[test]
fn error_messages_are_bounded() {
    let long = "x".repeat(5000);
    match openai(&format!(r#"{{"error":"{long}"}}"#)) {
        Err(AiError::Provider(m)) => assert!(m.chars().count() <= 200),
        other => panic!("{other:?}"),
    }
    match openai(&long) {
        Err(AiError::Garbage(m)) => assert!(m.chars().count() < 300),
        other => panic!("{other:?}"),
    }
}

// ----- Workers AI --------------------------------------------------------

const WORKERS_AI_STREAM: &str = concat!(
    "data: {\"response\":\"Öffnen\",\"p\":\"abcdefg\"}\n\n",
    "data: {\"response\":\" Sie die Einstellungen\"}\n\n",
    "data: {\"response\":\" [1].\"}\n\n",
    "data: {\"response\":\"\",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n",
    "data: [DONE]\n\n",
);

#[test]
fn workers_ai_stream_becomes_an_answer_at_every_split() {
    let bytes = WORKERS_AI_STREAM.as_bytes();
    for i in 0..=bytes.len() {
        let events = decode(&[&bytes[..i], &bytes[i..]]);
        let deltas: Vec<Delta> = events
            .iter()
            .map(|e| Provider::WorkersAi.parse_event(&e.data).unwrap())
            .collect();
        assert_eq!(deltas.len(), 5);
        assert!(deltas[4].done && !deltas[3].done);
        let mut acc = AnswerAccumulator::new(2);
        let mut shown: String = deltas.iter().map(|d| acc.push(&d.text)).collect();
        let end = acc.finish();
        shown.push_str(&end.rest);
        assert_eq!(shown, "Öffnen Sie die Einstellungen [1].");
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
fn workers_ai_events() {
    let w = Provider::WorkersAi;
    assert_eq!(
        w.parse_event(r#"{"response":"tok"}"#),
        Ok(delta("tok", false))
    );
    assert_eq!(w.parse_event("[DONE]"), Ok(delta("", true)));
    assert_eq!(
        w.parse_event(r#"{"response":null,"usage":{}}"#),
        Ok(delta("", false))
    );
    // OpenAI-shaped chunks from some catalog models.
    assert_eq!(
        w.parse_event(r#"{"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}]}"#),
        Ok(delta("x", true))
    );
    assert!(matches!(
        w.parse_event(r#"{"response":5}"#),
        Err(AiError::Garbage(_))
    ));
    assert!(matches!(
        w.parse_event(r#"{"text":"x"}"#),
        Err(AiError::Garbage(_))
    ));
    assert!(matches!(w.parse_event("data: x"), Err(AiError::Garbage(_))));
    assert_eq!(
        w.parse_event(r#"{"errors":[{"code":3040,"message":"Capacity temporarily exceeded"}]}"#),
        Err(AiError::Provider("Capacity temporarily exceeded".into()))
    );
}

#[test]
fn workers_ai_whole_bodies() {
    let w = Provider::WorkersAi;
    assert_eq!(
        w.parse_body(r#"{"response":"Ja [1].","usage":{"total_tokens":9}}"#),
        Ok("Ja [1].".into())
    );
    assert_eq!(
        w.parse_body(r#"{"choices":[{"message":{"content":"Ja."}}]}"#),
        Ok("Ja.".into())
    );
    assert!(matches!(
        w.parse_body(r#"{"result":{}}"#),
        Err(AiError::Garbage(_))
    ));
    assert!(matches!(w.parse_body(""), Err(AiError::Garbage(_))));
}

#[test]
fn whole_requests_and_their_answers() {
    let messages = [Message {
        role: MessageRole::User,
        content: "hi".into(),
    }];
    let v = serde_json::to_value(Provider::OpenAiCompatible.whole_request("m", &messages, 200))
        .unwrap();
    assert_eq!(v["stream"], false);
    assert_eq!(v["max_tokens"], 200);
    assert_eq!(v["model"], "m");
    let w = serde_json::to_value(Provider::WorkersAi.whole_request("m", &messages, 200)).unwrap();
    assert!(w.get("model").is_none());
    let p = Provider::OpenAiCompatible;
    let body =
        r#"{"choices":[{"message":{"role":"assistant","content":"Visitor was charged twice."}}]}"#;
    assert_eq!(
        p.completion_text(body, false).unwrap(),
        "Visitor was charged twice."
    );
    // A server that streams anyway.
    let sse = "data: {\"choices\":[{\"delta\":{\"content\":\"Visitor \"}}]}\n\n\
               data: {\"choices\":[{\"delta\":{\"content\":\"paid twice.\"},\"finish_reason\":\"stop\"}]}\n\n\
               data: [DONE]\n\n";
    assert_eq!(p.completion_text(sse, true).unwrap(), "Visitor paid twice.");
    assert!(matches!(
        p.completion_text(r#"{"error":{"message":"overloaded"}}"#, false),
        Err(AiError::Provider(_))
    ));
    assert_eq!(
        Provider::WorkersAi
            .completion_text(r#"{"response":"Visitor paid twice."}"#, false)
            .unwrap(),
        "Visitor paid twice."
    );
}

#[test]
fn usage_is_read_when_reported() {
    assert_eq!(
        usage_tokens(
            r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#
        ),
        Some(8)
    );
    assert_eq!(
        usage_tokens(r#"{"usage":{"prompt_tokens":5,"completion_tokens":3}}"#),
        Some(8)
    );
    assert_eq!(usage_tokens(r#"{"response":"Hi","usage":{}}"#), None);
    assert_eq!(
        usage_tokens(r#"{"choices":[{"delta":{"content":"Hi"}}]}"#),
        None
    );
    assert_eq!(usage_tokens("[DONE]"), None);
}
