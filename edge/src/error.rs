//! One error type for the worker, turned into a response in one place:
//! client errors keep their stable code and message; anything else is logged
//! and answered with a generic `internal` error that leaks nothing.

use frontdesk_shared::error::{ApiError, ErrorBody, ErrorCode};
use worker::Response;

#[derive(Debug)]
#[non_exhaustive]
pub enum AppError {
    /// The client's request cannot be served as sent.
    Client(ApiError),
    /// A platform failure (D1, bindings, JS interop). Logged, not shown.
    Internal(String),
}

impl AppError {
    pub fn code(code: ErrorCode, message: &str) -> Self {
        AppError::Client(ApiError::new(code, message))
    }

    pub fn into_response(self) -> Response {
        let error = match self {
            AppError::Client(e) => e,
            AppError::Internal(detail) => {
                worker::console_error!("internal error: {detail}");
                ApiError::new(
                    ErrorCode::Internal,
                    "Something went wrong on our side. Your message was not lost; please try again.",
                )
            }
        };
        let status = error.code.status();
        match Response::from_json(&ErrorBody { error }) {
            Ok(r) => r.with_status(status),
            Err(_) => Response::error("internal error", 500).expect("static response"),
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
