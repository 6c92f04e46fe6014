//! How the world fails the controller (the user's RGD mistakes are diagnostics, not errors).

/// An error of one reconcile; the object is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request to the API server failed.
    #[error("{action}: {source}")]
    Api {
        /// What was being done, with the object.
        action: String,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
    /// A kind used by a template or external reference is not served by the API server.
    #[error("the API server does not serve {kind} in {api_version}: {source}")]
    UnknownKind {
        /// Its apiVersion.
        api_version: String,
        /// Its kind.
        kind: String,
        /// Discovery's error.
        #[source]
        source: kube::Error,
    },
    /// An object could not be converted to or from JSON.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// An object the controller needs is malformed (no name, no uid, …).
    #[error("{0}")]
    Malformed(String),
    /// A child could not be applied or an external reference read; the instance's status says
    /// why, with Secret values cut out (so does this message).
    #[error("{0}")]
    Child(String),
}

impl Error {
    /// Wraps a client error with what was being done.
    pub fn api(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let action = action.into();
        move |source| Error::Api { action, source }
    }

    /// The error as an instance's status reports it: the API server's own message when it
    /// refused a request (it names the object and the field), else the whole error.
    pub fn status_message(&self) -> String {
        match self {
            Error::Api {
                source: kube::Error::Api(status),
                ..
            } if !status.message.is_empty() => status.message.clone(),
            other => other.to_string(),
        }
    }

    /// The metric label of the error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Api { .. } => "api",
            Error::UnknownKind { .. } => "unknown_kind",
            Error::Json(_) => "json",
            Error::Malformed(_) => "malformed",
            Error::Child(_) => "child",
        }
    }
}
