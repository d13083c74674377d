//! Tool calling: a request that offers the model functions to call, in
//! either provider's format, and the call it chose, read from whichever
//! shape the provider answers in. The model only proposes; what a call
//! may do is decided by its caller (`crate::actions::choose`).
//!
//! OpenAI-compatible: `tools: [{"type": "function", "function": {name,
//! description, parameters}}]`, `tool_choice: "auto"`; the answer's
//! `choices[0].message.tool_calls[i].function` holds the name and the
//! arguments as a JSON string (streamed: in fragments, by `index`).
//! Workers AI ("traditional" function calling): `tools: [{name,
//! description, parameters}]`; the answer's `tool_calls[i]` holds the name
//! and the arguments as an object. Each reader accepts the other's shape,
//! since servers copy both.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::provider::{error_message, excerpt};
use super::{AiError, Message, Provider, SseDecoder};

/// Longest answer read from a tool-calling request: a call is a name and
/// a few short values.
pub const MAX_TOOL_TOKENS: u32 = 200;

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    /// `[a-z0-9_]`: what the model calls it by.
    pub name: String,
    /// What it does and when to call it, in words for the model.
    pub description: String,
    /// A JSON Schema object: `{"type": "object", "properties": {…}}`.
    pub parameters: Value,
}

/// The call the model chose.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The tool's name, as the model wrote it (unchecked).
    pub name: String,
    /// The arguments, as the model wrote them (unchecked).
    pub arguments: Map<String, Value>,
}

/// The body of a non-streamed request offering `tools`, as JSON: the
/// worker sends it as text (OpenAI-compatible) or hands it to the `AI`
/// binding (Workers AI, whose model is `run`'s first argument). Sampling
/// at temperature 0: the same message chooses the same way.
pub fn tools_request(
    provider: Provider,
    model: &str,
    messages: &[Message],
    tools: &[Tool],
) -> Value {
    let mut body = Map::new();
    if provider == Provider::OpenAiCompatible {
        body.insert("model".into(), Value::from(model));
    }
    body.insert("messages".into(), serde_json::json!(messages));
    let offered: Vec<Value> = tools
        .iter()
        .map(|t| match provider {
            Provider::OpenAiCompatible => serde_json::json!({"type": "function", "function": t}),
            Provider::WorkersAi => serde_json::json!(t),
        })
        .collect();
    body.insert("tools".into(), Value::Array(offered));
    if provider == Provider::OpenAiCompatible {
        body.insert("tool_choice".into(), Value::from("auto"));
    }
    body.insert("stream".into(), Value::Bool(false));
    body.insert("temperature".into(), Value::from(0.0));
    body.insert("max_tokens".into(), Value::from(MAX_TOOL_TOKENS));
    Value::Object(body)
}

/// The call in a response to [`tools_request`]: `None` when the model
/// called nothing (it answered in words, or not at all), or called
/// different tools at once (which one was meant is unclear). A body
/// streamed anyway (`event_stream`) has its fragments joined first.
pub fn tool_call(body: &str, event_stream: bool) -> Result<Option<ToolCall>, AiError> {
    let calls = if event_stream {
        streamed_calls(body)?
    } else {
        let payload: Payload = parse(body.trim())?;
        payload.calls()
    };
    let mut calls = calls.into_iter().filter(|c| !c.name.is_empty());
    let Some(first) = calls.next() else {
        return Ok(None);
    };
    if calls.any(|c| c.name != first.name) {
        return Ok(None);
    }
    let arguments = match first.arguments {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(AiError::Garbage(format!(
                    "tool arguments are not a JSON object: {}",
                    excerpt(&s)
                )))
            }
        },
        Some(other) => {
            return Err(AiError::Garbage(format!(
                "tool arguments are not an object: {}",
                excerpt(&other.to_string())
            )))
        }
    };
    Ok(Some(ToolCall {
        name: first.name,
        arguments,
    }))
}

/// One call, loosely: a name and arguments, whatever the shape.
struct RawCall {
    name: String,
    arguments: Option<Value>,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    /// Workers AI: the calls at the top level (or under `result`, as its
    /// REST API wraps them).
    #[serde(default)]
    tool_calls: Option<Vec<WireCall>>,
    #[serde(default)]
    result: Option<Box<Payload>>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<Value>>,
}

impl Payload {
    fn calls(self) -> Vec<RawCall> {
        if let Some(calls) = self.tool_calls.filter(|c| !c.is_empty()) {
            return calls.into_iter().map(WireCall::raw).collect();
        }
        if let Some(result) = self.result {
            return result.calls();
        }
        self.choices
            .and_then(|c| c.into_iter().next())
            .and_then(|c| c.message.or(c.delta))
            .and_then(|m| m.tool_calls)
            .map(|calls| calls.into_iter().map(WireCall::raw).collect())
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<WireMessage>,
    #[serde(default)]
    delta: Option<WireMessage>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    tool_calls: Option<Vec<WireCall>>,
}

/// `{"function": {"name", "arguments"}}` or `{"name", "arguments"}`.
#[derive(Deserialize)]
struct WireCall {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    function: Option<WireFunction>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<Value>,
}

impl WireCall {
    fn raw(self) -> RawCall {
        match self.function {
            Some(f) => RawCall {
                name: f.name.unwrap_or_default(),
                arguments: f.arguments,
            },
            None => RawCall {
                name: self.name.unwrap_or_default(),
                arguments: self.arguments,
            },
        }
    }
}

fn parse(json: &str) -> Result<Payload, AiError> {
    let payload: Payload = serde_json::from_str(json)
        .map_err(|e| AiError::Garbage(format!("{e} in {}", excerpt(json))))?;
    if let Some(error) = &payload.error {
        return Err(AiError::Provider(error_message(error)));
    }
    if let Some(first) = payload.errors.as_ref().and_then(|e| e.first()) {
        return Err(AiError::Provider(error_message(first)));
    }
    Ok(payload)
}

/// The calls of a streamed answer: each chunk's `delta.tool_calls`
/// fragments joined by `index` (name and arguments arrive in pieces).
fn streamed_calls(body: &str) -> Result<Vec<RawCall>, AiError> {
    let mut decoder = SseDecoder::new();
    let mut events = decoder.push(body.as_bytes());
    events.extend(decoder.finish());
    // (index, name, arguments so far)
    let mut calls: Vec<(usize, String, String)> = Vec::new();
    for event in events {
        let data = event.data.trim();
        if data == "[DONE]" {
            break;
        }
        if data.is_empty() {
            continue;
        }
        let payload = parse(data)?;
        let pieces = payload
            .choices
            .and_then(|c| c.into_iter().next())
            .and_then(|c| c.delta.or(c.message))
            .and_then(|m| m.tool_calls)
            .or(payload.tool_calls)
            .unwrap_or_default();
        for (n, piece) in pieces.into_iter().enumerate() {
            let index = piece.index.unwrap_or(n);
            let raw = piece.raw();
            let at = match calls.iter().position(|c| c.0 == index) {
                Some(at) => at,
                None => {
                    calls.push((index, String::new(), String::new()));
                    calls.len() - 1
                }
            };
            calls[at].1.push_str(&raw.name);
            match raw.arguments {
                Some(Value::String(s)) => calls[at].2.push_str(&s),
                Some(Value::Object(m)) => calls[at].2.push_str(&Value::Object(m).to_string()),
                _ => {}
            }
        }
    }
    Ok(calls
        .into_iter()
        .map(|(_, name, arguments)| RawCall {
            name,
            arguments: Some(Value::String(arguments)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::MessageRole;

    fn tool() -> Tool {
        Tool {
            name: "order_status".into(),
            description: "Where an order is.".into(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {"order": {"type": "string", "pattern": "^[0-9]{5}$"}},
            }),
        }
    }

    fn messages() -> Vec<Message> {
        vec![Message {
            role: MessageRole::User,
            content: "where is 10001".into(),
        }]
    }

    #[test]
    fn requests_in_each_providers_shape() {
        let openai = tools_request(Provider::OpenAiCompatible, "gpt-x", &messages(), &[tool()]);
        assert_eq!(openai["model"], "gpt-x");
        assert_eq!(openai["tool_choice"], "auto");
        assert_eq!(openai["stream"], false);
        assert_eq!(openai["tools"][0]["type"], "function");
        assert_eq!(openai["tools"][0]["function"]["name"], "order_status");
        assert_eq!(
            openai["tools"][0]["function"]["parameters"]["properties"]["order"]["pattern"],
            "^[0-9]{5}$"
        );
        let workers = tools_request(Provider::WorkersAi, "@cf/x", &messages(), &[tool()]);
        assert!(workers.get("model").is_none());
        assert!(workers.get("tool_choice").is_none());
        assert_eq!(workers["tools"][0]["name"], "order_status");
        assert_eq!(workers["messages"][0]["role"], "user");
        // An answer written from help articles is never offered a tool:
        // an article's instruction has nothing to call.
        for provider in [Provider::OpenAiCompatible, Provider::WorkersAi] {
            let answer = serde_json::to_value(provider.request("m", &messages())).unwrap();
            assert!(answer.get("tools").is_none() && answer.get("tool_choice").is_none());
        }
    }

    #[test]
    fn reads_an_openai_call_with_string_arguments() {
        let body = r#"{"choices":[{"message":{"role":"assistant","content":null,
            "tool_calls":[{"id":"call_1","type":"function","function":{"name":"order_status",
            "arguments":"{\"order\":\"10001\"}"}}]},"finish_reason":"tool_calls"}]}"#;
        let call = tool_call(body, false).unwrap().unwrap();
        assert_eq!(call.name, "order_status");
        assert_eq!(call.arguments["order"], "10001");
    }

    #[test]
    fn reads_a_workers_ai_call_with_object_arguments() {
        let body = r#"{"response":null,"tool_calls":[{"name":"order_status","arguments":{"order":"10001"}}]}"#;
        let call = tool_call(body, false).unwrap().unwrap();
        assert_eq!(call.arguments["order"], "10001");
        // Its REST shape, under `result`.
        let wrapped = format!(r#"{{"result":{body},"success":true}}"#);
        assert_eq!(tool_call(&wrapped, false).unwrap().unwrap(), call);
    }

    #[test]
    fn joins_a_streamed_call() {
        let body = concat!(
            "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"order_status\",\"arguments\":\"\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ord\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"er\\\":\\\"10001\\\"}\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        let call = tool_call(body, true).unwrap().unwrap();
        assert_eq!(call.name, "order_status");
        assert_eq!(call.arguments["order"], "10001");
    }

    #[test]
    fn words_or_nothing_are_no_call() {
        for body in [
            r#"{"choices":[{"message":{"content":"NONE"}}]}"#,
            r#"{"response":"NONE"}"#,
            r#"{"response":"x","tool_calls":[]}"#,
            r#"{"choices":[]}"#,
        ] {
            assert_eq!(tool_call(body, false).unwrap(), None, "{body}");
        }
        assert_eq!(
            tool_call(
                "data: {\"choices\":[{\"delta\":{\"content\":\"NONE\"}}]}\n\ndata: [DONE]\n\n",
                true
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn two_different_tools_at_once_are_no_call() {
        let body = r#"{"tool_calls":[{"name":"order_status","arguments":{}},{"name":"cancel_order","arguments":{}}]}"#;
        assert_eq!(tool_call(body, false).unwrap(), None);
        let same = r#"{"tool_calls":[{"name":"order_status","arguments":{"order":"1"}},{"name":"order_status","arguments":{}}]}"#;
        assert_eq!(
            tool_call(same, false).unwrap().unwrap().arguments["order"],
            "1"
        );
    }

    #[test]
    fn errors_and_garbage_are_errors() {
        assert!(matches!(
            tool_call(r#"{"error":{"message":"model overloaded"}}"#, false),
            Err(AiError::Provider(m)) if m == "model overloaded"
        ));
        assert!(matches!(
            tool_call("<html>502</html>", false),
            Err(AiError::Garbage(_))
        ));
        let bad_args = r#"{"tool_calls":[{"name":"order_status","arguments":"{order: 10001"}]}"#;
        assert!(matches!(
            tool_call(bad_args, false),
            Err(AiError::Garbage(_))
        ));
        let list_args = r#"{"tool_calls":[{"name":"order_status","arguments":[1]}]}"#;
        assert!(matches!(
            tool_call(list_args, false),
            Err(AiError::Garbage(_))
        ));
    }
}
