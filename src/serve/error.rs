//! The HTTP API's errors: a status, a stable code and a sentence for people. Every layer of
//! the server refuses with one, and the routes turn it into the JSON body.

use serde_json::json;

/// An error for the HTTP API: a status, a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// For a `429`: the seconds to wait, sent as `Retry-After` (1 when not set).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same error, telling the client to wait `seconds` before it asks again.
    pub fn retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn json(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code, "message": self.message } })
    }
}

/// `404 not-found` for the `what` named `id`.
pub fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(404, "not-found", format!("there is no {what} `{id}`"))
}
