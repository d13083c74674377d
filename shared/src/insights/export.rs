//! Exports: conversations, messages, tickets and unanswered questions as a
//! [`Table`], written as CSV or JSON.

use super::{articles, group, iso_time, summarize, unanswered, Conversation};
use frontdesk_api::error::{ApiError, ErrorCode};

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// One row per conversation ([`ConversationSummary`](super::ConversationSummary)).
    Conversations,
    /// One row per unanswered question, with its group.
    Questions,
    /// One row per article ([`ArticleStats`](super::ArticleStats)).
    Articles,
}

impl ExportKind {
    /// Reads the `kind` query parameter; anything else is an
    /// `invalid_field` error naming it.
    pub fn parse(v: &str) -> Result<ExportKind, ApiError> {
        match v {
            "conversations" => Ok(ExportKind::Conversations),
            "questions" => Ok(ExportKind::Questions),
            "articles" => Ok(ExportKind::Articles),
            _ => Err(ApiError::field(
                ErrorCode::InvalidField,
                "kind",
                "kind must be conversations, questions or articles.",
            )),
        }
    }

    /// The inverse of [`ExportKind::parse`] (also in the download's file name).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Conversations => "conversations",
            ExportKind::Questions => "questions",
            ExportKind::Articles => "articles",
        }
    }
}

/// An export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row ([`to_csv`](super::to_csv)).
    Csv,
    /// An array of objects keyed by column ([`to_json`](super::to_json)).
    Json,
}

impl ExportFormat {
    /// Reads the `format` query parameter; anything else is an
    /// `invalid_field` error naming it.
    pub fn parse(v: &str) -> Result<ExportFormat, ApiError> {
        match v {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            _ => Err(ApiError::field(
                ErrorCode::InvalidField,
                "format",
                "format must be csv or json.",
            )),
        }
    }
}

/// A cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A string (times are ISO 8601 strings); a JSON string.
    Text(String),
    /// A count; a JSON number.
    Int(i64),
}

/// Rows under named columns: the same data as CSV or JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names, in order: the CSV header and the JSON keys.
    pub columns: &'static [&'static str],
    /// One cell per column in each row.
    pub rows: Vec<Vec<Cell>>,
}

/// The export of `kind` over `conversations` at `now` (`quiet_ms`: see
/// [`summarize`]).
pub fn export(kind: ExportKind, conversations: &[Conversation], now: i64, quiet_ms: i64) -> Table {
    let t = |s: &str| Cell::Text(s.to_owned());
    let n = |v: u64| Cell::Int(v as i64);
    match kind {
        ExportKind::Conversations => Table {
            columns: &[
                "conversation_id",
                "site",
                "started_at",
                "last_message_at",
                "language",
                "visitor_messages",
                "answered",
                "suggested",
                "escalated",
                "small_talk",
                "thumbs_up",
                "thumbs_down",
                "tickets",
                "outcome",
            ],
            rows: conversations
                .iter()
                .map(|c| {
                    let s = summarize(c, now, quiet_ms);
                    vec![
                        t(&s.id),
                        t(&s.site),
                        t(&iso_time(s.started)),
                        t(&iso_time(s.last_at)),
                        t(&s.lang),
                        n(s.visitor_messages),
                        n(s.answered),
                        n(s.suggested),
                        n(s.escalated),
                        n(s.small_talk),
                        n(s.thumbs_up),
                        n(s.thumbs_down),
                        n(s.tickets),
                        t(s.outcome.as_str()),
                    ]
                })
                .collect(),
        },
        ExportKind::Questions => {
            let questions = unanswered(conversations);
            let groups = group(&questions, usize::MAX);
            let mut rows = Vec::new();
            for (i, g) in groups.iter().enumerate() {
                for q in &g.questions {
                    rows.push(vec![
                        n(i as u64 + 1),
                        t(&g.representative),
                        n(g.count),
                        t(&q.text),
                        t(&q.lang),
                        t(&q.conversation),
                        t(&iso_time(q.at)),
                    ]);
                }
            }
            Table {
                columns: &[
                    "group",
                    "representative",
                    "group_size",
                    "question",
                    "language",
                    "conversation_id",
                    "asked_at",
                ],
                rows,
            }
        }
        ExportKind::Articles => Table {
            columns: &[
                "title",
                "url",
                "answers",
                "suggestions",
                "thumbs_up",
                "thumbs_down",
            ],
            rows: articles(conversations)
                .into_iter()
                .map(|a| {
                    vec![
                        t(&a.title),
                        t(&a.url),
                        n(a.answers),
                        n(a.suggestions),
                        n(a.thumbs_up),
                        n(a.thumbs_down),
                    ]
                })
                .collect(),
        },
    }
}

/// RFC 4180 CSV (CRLF line ends, a header row). A text cell is quoted when
/// it holds a comma, quote or line break (quotes doubled); one starting
/// with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a spreadsheet
/// shows it instead of running it as a formula.
pub fn to_csv(table: &Table) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<String>| {
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(
        &mut out,
        table.columns.iter().map(|c| csv_text(c)).collect(),
    );
    for row in &table.rows {
        line(
            &mut out,
            row.iter()
                .map(|c| match c {
                    Cell::Text(s) => csv_text(s),
                    Cell::Int(v) => v.to_string(),
                })
                .collect(),
        );
    }
    out
}

fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The same rows as a JSON array of objects keyed by column.
pub fn to_json(table: &Table) -> serde_json::Value {
    serde_json::Value::Array(
        table
            .rows
            .iter()
            .map(|row| {
                let object = table
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(k, c)| {
                        let v = match c {
                            Cell::Text(s) => serde_json::Value::from(s.as_str()),
                            Cell::Int(n) => serde_json::Value::from(*n),
                        };
                        ((*k).to_owned(), v)
                    })
                    .collect();
                serde_json::Value::Object(object)
            })
            .collect(),
    )
}
