//! One error type for the worker, turned into a response in one place:
//! client errors keep their stable code and message; anything else is logged
//! and answered with a generic `internal` error that leaks nothing.

use frontdesk_api::error::{ApiError, ErrorBody, ErrorCode};
use worker::Response;

#[derive(Debug)]
#[non_exhaustive]
pub enum AppError {
    /// The client's request cannot be served as sent.
    Client(ApiError),
    /// Over a limit (`crate::limits`): 429 `rate_limited` with a
    /// `Retry-After` header; nothing of the request was stored.
    RateLimited { retry_after_secs: u64 },
    /// The same chat message is still being answered by another request:
    /// 409 `message_in_progress` with a `Retry-After` header.
    InProgress { retry_after_secs: u64 },
    /// A platform failure (D1, bindings, JS interop). Logged, not shown.
    Internal(String),
}

impl AppError {
    pub fn code(code: ErrorCode, message: &str) -> Self {
        AppError::Client(ApiError::new(code, message))
    }

    pub fn into_response(self) -> Response {
        let mut retry_after = None;
        let error = match self {
            AppError::Client(e) => e,
            AppError::RateLimited { retry_after_secs } => {
                retry_after = Some(retry_after_secs);
                ApiError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "Too many requests right now. Nothing was saved; please try again in {retry_after_secs} s."
                    ),
                )
            }
            AppError::InProgress { retry_after_secs } => {
                retry_after = Some(retry_after_secs);
                ApiError::new(
                    ErrorCode::MessageInProgress,
                    format!(
                        "This message is still being answered. Send it again in {retry_after_secs} s to get the answer."
                    ),
                )
            }
            AppError::Internal(detail) => {
                worker::console_error!("internal error: {detail}");
                ApiError::new(
                    ErrorCode::Internal,
                    "Something went wrong on our side. Your message was not lost; please try again.",
                )
            }
        };
        let status = error.code.status();
        let response = Response::from_json(&ErrorBody { error }).map(|r| r.with_status(status));
        match (response, retry_after) {
            (Ok(mut r), Some(secs)) => {
                match r.headers_mut().set("Retry-After", &secs.to_string()) {
                    Ok(()) => r,
                    Err(_) => Response::error("internal error", 500).expect("static response"),
                }
            }
            (Ok(r), None) => r,
            (Err(_), _) => Response::error("internal error", 500).expect("static response"),
        }
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError::Client(e)
    }
}

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {e}"))
    }
}
