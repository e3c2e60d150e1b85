//! The one error type of the web layer and its mapping to responses.
//!
//! A user error (a bad parameter, a path that names nothing) says what was wrong and what is
//! allowed, with a 4xx status; an internal error is logged with its causes and answered with
//! a generic 500, never shown. The response is JSON (`{ "error": "..." }`); for pages the
//! error-page middleware turns it into HTML using the [`ErrorInfo`] it carries.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request is malformed; the message says what is allowed.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing is there; the message says where to look instead.
    #[error("{0}")]
    NotFound(String),
    /// The request may not be made from where it came (a POST from another site).
    #[error("{0}")]
    Forbidden(String),
    /// A part the request needs is off (the feedback store); the message says why.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed inside (the index, a template); logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl WebError {
    /// A 400 with `message`: what was wrong and what is allowed.
    pub fn bad_request(message: impl Into<String>) -> WebError {
        WebError::BadRequest(message.into())
    }

    /// A 404 with `message`: what is missing and where to look.
    pub fn not_found(message: impl Into<String>) -> WebError {
        WebError::NotFound(message.into())
    }

    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<crate::search::SearchError> for WebError {
    fn from(e: crate::search::SearchError) -> Self {
        WebError::Internal(e.into())
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(anyhow::Error::new(e).context("rendering a template"))
    }
}

/// What an error response is about, kept in its extensions so that the error-page
/// middleware can render it as HTML for a page route.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub message: String,
}

/// The body of every error response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    /// What was wrong and what is allowed.
    error: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            WebError::Internal(e) => {
                tracing::error!("internal error: {e:#}");
                "Something went wrong on our side; it has been logged. Try again, or report \
                 what you were doing."
                    .to_owned()
            }
            WebError::BadRequest(m)
            | WebError::NotFound(m)
            | WebError::Forbidden(m)
            | WebError::Unavailable(m) => m.clone(),
        };
        error_response(status, message)
    }
}

/// A JSON error response for any status, with its [`ErrorInfo`].
pub fn error_response(status: StatusCode, message: String) -> Response {
    let mut response = (status, Json(ErrorBody { error: &message })).into_response();
    response.extensions_mut().insert(ErrorInfo { message });
    response
}
