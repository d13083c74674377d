//! Embeddings: request and response formats (Workers AI and
//! OpenAI-compatible), int8-packed vectors and cosine similarity.

use serde::{Deserialize, Serialize};

use super::provider::{error_message, excerpt};
use super::{chat_completions_url, truncate_chars, AiError};

/// Input for [`EMBEDDING_MODEL`](super::EMBEDDING_MODEL): the texts to embed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbeddingRequest<'a> {
    /// The texts, one vector each, in this order.
    pub text: Vec<&'a str>,
}

/// Output of [`EMBEDDING_MODEL`](super::EMBEDDING_MODEL): `shape` is
/// `[texts, dimensions]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EmbeddingOutput {
    /// `[texts, dimensions]` as the model declares it; checked against
    /// `data` when present.
    #[serde(default)]
    pub shape: Option<Vec<usize>>,
    /// One vector per text. (`response` in bge-m3's query-and-contexts
    /// mode.)
    #[serde(alias = "response")]
    pub data: Vec<Vec<f32>>,
}

impl EmbeddingOutput {
    /// The vectors, checked: `expected` of them (the number of texts sent),
    /// all of one non-zero dimension, finite, matching `shape` when present.
    pub fn into_vectors(self, expected: usize) -> Result<Vec<Vec<f32>>, AiError> {
        let n = self.data.len();
        if n != expected {
            return Err(AiError::Shape(format!("{n} vectors for {expected} texts")));
        }
        let dims = self.data.first().map_or(0, Vec::len);
        if let Some(shape) = &self.shape {
            match shape.as_slice() {
                [rows, cols] if *rows == n && (n == 0 || *cols == dims) => {}
                _ => {
                    return Err(AiError::Shape(format!(
                        "shape {shape:?} for {n} vectors of {dims}"
                    )))
                }
            }
        }
        if n > 0 && dims == 0 {
            return Err(AiError::Shape("empty vectors".to_owned()));
        }
        if let Some(i) = self.data.iter().position(|v| v.len() != dims) {
            return Err(AiError::Shape(format!(
                "vector {i} has {} dimensions, not {dims}",
                self.data[i].len()
            )));
        }
        if self.data.iter().flatten().any(|x| !x.is_finite()) {
            return Err(AiError::Shape("non-finite value".to_owned()));
        }
        Ok(self.data)
    }
}

/// [`EmbeddingOutput`] from a JSON body, checked by
/// [`EmbeddingOutput::into_vectors`].
pub fn parse_embeddings(body: &str, expected: usize) -> Result<Vec<Vec<f32>>, AiError> {
    let garbage = |e: serde_json::Error| AiError::Garbage(format!("{e} in {}", excerpt(body)));
    let value: serde_json::Value = serde_json::from_str(body.trim()).map_err(garbage)?;
    let error = value.get("error").filter(|e| !e.is_null()).or_else(|| {
        value
            .get("errors")
            .and_then(serde_json::Value::as_array)
            .and_then(|e| e.first())
    });
    if let Some(error) = error {
        return Err(AiError::Provider(error_message(error)));
    }
    EmbeddingOutput::deserialize(value)
        .map_err(garbage)?
        .into_vectors(expected)
}

/// Cosine similarity of two embeddings, in [-1, 1]. 0 when either is zero
/// or their lengths differ (vectors from different models are unrelated).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let (mut dot, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        return 0.0;
    }
    ((dot / (aa.sqrt() * bb.sqrt())) as f32).clamp(-1.0, 1.0)
}

/// An embedding stored compactly: int8 values and one scale (value = byte ×
/// scale), a quarter of the f32 size; cosine similarities move by well
/// under 0.01, far below the gaps retrieval decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    scale: f32,
    /// Euclidean norm of the dequantized vector.
    norm: f32,
    data: Vec<i8>,
}

impl Packed {
    /// Quantizes `v`; `None` for an empty vector or one with a non-number.
    pub fn new(v: &[f32]) -> Option<Packed> {
        if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max == 0.0 { 1.0 } else { max / 127.0 };
        let data: Vec<i8> = v.iter().map(|x| (x / scale).round() as i8).collect();
        Some(Packed::from_parts(scale, data))
    }

    fn from_parts(scale: f32, data: Vec<i8>) -> Packed {
        let sum: f32 = data.iter().map(|&b| f32::from(b) * f32::from(b)).sum();
        Packed {
            scale,
            norm: sum.sqrt() * scale,
            data,
        }
    }

    /// `"<scale>:<base64 of the bytes>"`, as D1 keeps it.
    pub fn encode(&self) -> String {
        use base64::Engine as _;
        let bytes: Vec<u8> = self.data.iter().map(|&b| b as u8).collect();
        format!(
            "{}:{}",
            self.scale,
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    /// Reads [`Packed::encode`]'s form; `None` for anything else.
    pub fn decode(text: &str) -> Option<Packed> {
        use base64::Engine as _;
        let (scale, data) = text.split_once(':')?;
        let scale: f32 = scale
            .parse()
            .ok()
            .filter(|s: &f32| s.is_finite() && *s > 0.0)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()?;
        if bytes.is_empty() {
            return None;
        }
        Some(Packed::from_parts(
            scale,
            bytes.into_iter().map(|b| b as i8).collect(),
        ))
    }

    /// Its dimensions (1,024 for bge-m3).
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether it has no dimensions: never, for one made by [`Packed::new`],
    /// [`Packed::decode`] or [`unpack_matrix`].
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Cosine similarity to `query`, whose norm is `query_norm`; 0 when the
    /// lengths differ or either is zero.
    pub fn cosine(&self, query: &[f32], query_norm: f32) -> f32 {
        if query.len() != self.data.len() || self.norm == 0.0 || query_norm == 0.0 {
            return 0.0;
        }
        let dot: f32 = query
            .iter()
            .zip(&self.data)
            .map(|(q, &b)| q * f32::from(b))
            .sum();
        (dot * self.scale / (self.norm * query_norm)).clamp(-1.0, 1.0)
    }
}

/// Many [`Packed`] vectors of one length as one byte string, so a help
/// centre's vectors load in a few reads: dimensions and count (u32, little
/// endian), then per vector its scale (f32) and bytes.
pub fn pack_matrix(vectors: &[Packed]) -> Vec<u8> {
    let dims = vectors.first().map_or(0, Packed::len);
    let mut out = Vec::with_capacity(8 + vectors.len() * (4 + dims));
    out.extend_from_slice(&(dims as u32).to_le_bytes());
    out.extend_from_slice(&(vectors.len() as u32).to_le_bytes());
    for v in vectors {
        out.extend_from_slice(&v.scale.to_le_bytes());
        out.extend(v.data.iter().map(|&b| b as u8));
    }
    out
}

/// Reads [`pack_matrix`]'s bytes; `None` unless they hold whole vectors of
/// one length with finite positive scales.
pub fn unpack_matrix(bytes: &[u8]) -> Option<Vec<Packed>> {
    let word = |at: usize| -> Option<[u8; 4]> { bytes.get(at..at + 4)?.try_into().ok() };
    let dims = u32::from_le_bytes(word(0)?) as usize;
    let count = u32::from_le_bytes(word(4)?) as usize;
    let rest = &bytes[8..];
    if dims == 0 || rest.len() != count.checked_mul(4 + dims)? {
        return None;
    }
    rest.chunks_exact(4 + dims)
        .map(|row| {
            let scale = f32::from_le_bytes(row[..4].try_into().ok()?);
            (scale.is_finite() && scale > 0.0)
                .then(|| Packed::from_parts(scale, row[4..].iter().map(|&b| b as i8).collect()))
        })
        .collect()
}

/// Euclidean norm of `v`.
pub fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// `POST {base_url}/embeddings` body for an OpenAI-compatible API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenAiEmbeddingRequest<'a> {
    /// The embedding model's name on that server.
    pub model: &'a str,
    /// The texts, one vector each, in this order.
    pub input: Vec<&'a str>,
    /// `"query"` or `"passage"`, for servers whose models embed the two
    /// differently (E5's prefixes; Cohere-, Voyage- and NIM-style APIs).
    /// Sent only when configured: OpenAI's own API refuses unknown fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_type: Option<&'a str>,
}

#[derive(Deserialize)]
struct OpenAiEmbeddings {
    data: Vec<OpenAiEmbedding>,
}

#[derive(Deserialize)]
struct OpenAiEmbedding {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

/// Joins an OpenAI-compatible base URL and `embeddings` (see
/// [`chat_completions_url`]).
pub fn embeddings_url(base_url: &str) -> String {
    chat_completions_url(base_url).replace("/chat/completions", "/embeddings")
}

/// The vectors of an OpenAI-compatible embeddings response
/// (`{"data": [{"embedding": [..], "index": i}]}`), in input order, checked
/// like [`EmbeddingOutput::into_vectors`].
pub fn parse_openai_embeddings(body: &str, expected: usize) -> Result<Vec<Vec<f32>>, AiError> {
    let garbage = |e: serde_json::Error| AiError::Garbage(format!("{e} in {}", excerpt(body)));
    let value: serde_json::Value = serde_json::from_str(body.trim()).map_err(garbage)?;
    if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
        let message = error
            .get("message")
            .and_then(|m| m.as_str())
            .map_or_else(|| error.to_string(), str::to_owned);
        return Err(AiError::Provider(
            truncate_chars(&message, 200).into_owned(),
        ));
    }
    let mut rows = OpenAiEmbeddings::deserialize(value).map_err(garbage)?.data;
    if rows.iter().all(|r| r.index.is_some()) {
        rows.sort_by_key(|r| r.index);
        if rows.iter().enumerate().any(|(i, r)| r.index != Some(i)) {
            return Err(AiError::Shape("embedding indices are not 0..n".to_owned()));
        }
    }
    EmbeddingOutput {
        shape: None,
        data: rows.into_iter().map(|r| r.embedding).collect(),
    }
    .into_vectors(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::*;

    // ----- embeddings ----------------------------------------------------------

    #[test]
    fn packed_vectors_keep_their_similarities_and_survive_storage() {
        let a: Vec<f32> = (0..384)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let b: Vec<f32> = (0..384)
            .map(|i| ((i * 53 % 89) as f32 - 44.0) / 44.0)
            .collect();
        let packed = Packed::new(&b).unwrap();
        let exact = cosine(&a, &b);
        let approx = packed.cosine(&a, norm(&a));
        assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
        let back = Packed::decode(&packed.encode()).unwrap();
        assert_eq!(back, packed);
        assert!((packed.cosine(&b, norm(&b)) - 1.0).abs() < 0.01);
        // A vector of another model's length is unrelated; garbage is refused.
        assert_eq!(packed.cosine(&a[..10], norm(&a[..10])), 0.0);
        for bad in [
            "", "1.0", "x:AAAA", "0:AAAA", "-1:AAAA", "NaN:AAAA", "1:!!", "1:",
        ] {
            assert_eq!(Packed::decode(bad), None, "{bad}");
        }
        assert_eq!(Packed::new(&[]), None);
        assert_eq!(Packed::new(&[f32::NAN]), None);
        // Many at once, and nothing but whole, well-formed rows back.
        let all = vec![packed.clone(), Packed::new(&a).unwrap()];
        let bytes = pack_matrix(&all);
        assert_eq!(bytes.len(), 8 + 2 * (4 + 384));
        assert_eq!(unpack_matrix(&bytes), Some(all));
        assert_eq!(unpack_matrix(&bytes[..bytes.len() - 1]), None);
        assert_eq!(unpack_matrix(&bytes[..5]), None);
        let mut bad = bytes.clone();
        bad[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(unpack_matrix(&bad), None);
        assert_eq!(unpack_matrix(&pack_matrix(&[])), None);
    }

    #[test]
    fn embedding_request_body() {
        let req = EmbeddingRequest {
            text: vec!["hello", "中文"],
        };
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"text":["hello","中文"]}"#
        );
    }

    #[test]
    fn embeddings_parse() {
        let body = r#"{"shape":[2,3],"data":[[0.1,0.2,0.3],[1,0,-1]],"pooling":"cls"}"#;
        assert_eq!(
            parse_embeddings(body, 2),
            Ok(vec![vec![0.1, 0.2, 0.3], vec![1.0, 0.0, -1.0]])
        );
        // Without a shape, and under bge-m3's other field name.
        assert_eq!(
            parse_embeddings(r#"{"data":[[1,2]]}"#, 1),
            Ok(vec![vec![1.0, 2.0]])
        );
        assert_eq!(
            parse_embeddings(r#"{"shape":[1,2],"response":[[1,2]]}"#, 1),
            Ok(vec![vec![1.0, 2.0]])
        );
        assert_eq!(
            parse_embeddings(r#"{"shape":[0,1024],"data":[]}"#, 0),
            Ok(vec![])
        );
    }

    #[test]
    fn malformed_embeddings_are_shape_errors() {
        for (body, expected) in [
            (r#"{"shape":[3,3],"data":[[1,2,3],[1,2,3]]}"#, 2),
            (r#"{"shape":[2,4],"data":[[1,2,3],[1,2,3]]}"#, 2),
            (r#"{"shape":[2],"data":[[1,2,3],[1,2,3]]}"#, 2),
            (r#"{"shape":[2,3,1],"data":[[1,2,3],[1,2,3]]}"#, 2),
            (r#"{"shape":[2,3],"data":[[1,2,3],[1,2]]}"#, 2),
            (r#"{"data":[[1,2,3],[1,2]]}"#, 2),
            (r#"{"data":[[],[]]}"#, 2),
            (r#"{"shape":[2,3],"data":[[1,2,3],[1,2,3]]}"#, 3),
            (r#"{"data":[[1e39]]}"#, 1),
        ] {
            match parse_embeddings(body, expected) {
                Err(AiError::Shape(_)) => {}
                other => panic!("{body} gave {other:?}"),
            }
        }
    }

    #[test]
    fn embedding_garbage_and_errors() {
        for body in [
            "nope",
            r#"{"shape":[1,1]}"#,
            r#"{"data":[["a"]]}"#,
            r#"{"data":[1,2]}"#,
        ] {
            assert!(
                matches!(parse_embeddings(body, 1), Err(AiError::Garbage(_))),
                "{body}"
            );
        }
        assert_eq!(
            parse_embeddings(r#"{"error":{"message":"too long"}}"#, 1),
            Err(AiError::Provider("too long".into()))
        );
    }

    #[test]
    fn cosine_similarity() {
        let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
        assert!(close(cosine(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), 1.0));
        assert!(close(cosine(&[1.0, 0.0], &[0.0, 5.0]), 0.0));
        assert!(close(cosine(&[1.0, 1.0], &[-1.0, -1.0]), -1.0));
        assert!(close(
            cosine(&[1.0, 0.0], &[1.0, 1.0]),
            std::f32::consts::FRAC_1_SQRT_2
        ));
        assert_eq!(cosine(&[1.0, 2.0], &[1.0, 2.0, 3.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]), 0.0);
        assert_eq!(cosine(&[], &[]), 0.0);
    }

    #[test]
    fn openai_embeddings() {
        assert_eq!(
            embeddings_url("http://127.0.0.1:9/v1/"),
            "http://127.0.0.1:9/v1/embeddings"
        );
        let body = r#"{"object":"list","data":[
            {"object":"embedding","index":1,"embedding":[0.0,1.0]},
            {"object":"embedding","index":0,"embedding":[1.0,0.0]}],"model":"m"}"#;
        assert_eq!(
            parse_openai_embeddings(body, 2).unwrap(),
            vec![vec![1.0, 0.0], vec![0.0, 1.0]]
        );
        assert!(matches!(
            parse_openai_embeddings(body, 3),
            Err(AiError::Shape(_))
        ));
        assert!(matches!(
            parse_openai_embeddings(r#"{"error":{"message":"quota"}}"#, 1),
            Err(AiError::Provider(m)) if m == "quota"
        ));
        assert!(matches!(
            parse_openai_embeddings("<html>", 1),
            Err(AiError::Garbage(_))
        ));
        let gap = r#"{"data":[{"index":0,"embedding":[1.0]},{"index":2,"embedding":[1.0]}]}"#;
        assert!(matches!(
            parse_openai_embeddings(gap, 2),
            Err(AiError::Shape(_))
        ));
    }
}
