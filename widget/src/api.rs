//! Calls to the worker's API.

use frontdesk_shared::error::{ApiError, ErrorBody};
use frontdesk_shared::wire::{ChatRequest, ChatResponse, HandoffRequest, HandoffResponse};
use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::Config;

/// Why a call failed, in words a visitor can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The worker refused the request; its message is for the visitor.
    Api(ApiError),
    /// The network or the worker failed; trying again may work.
    Unavailable,
}

impl CallError {
    pub fn message(&self) -> String {
        match self {
            CallError::Api(e) => e.message.clone(),
            CallError::Unavailable => {
                "We couldn't reach support. Check your connection and try again.".into()
            }
        }
    }
}

async fn post<B: Serialize, T: DeserializeOwned>(
    config: &Config,
    path: &str,
    body: &B,
) -> Result<T, CallError> {
    let response = Request::post(&config.url(path))
        .json(body)
        .map_err(|_| CallError::Unavailable)?
        .send()
        .await
        .map_err(|_| CallError::Unavailable)?;
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| CallError::Unavailable);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) if response.status() < 500 => Err(CallError::Api(body.error)),
        _ => Err(CallError::Unavailable),
    }
}

pub async fn chat(config: &Config, req: &ChatRequest) -> Result<ChatResponse, CallError> {
    post(config, "api/v1/chat", req).await
}

pub async fn handoff(config: &Config, req: &HandoffRequest) -> Result<HandoffResponse, CallError> {
    post(config, "api/v1/handoff", req).await
}
