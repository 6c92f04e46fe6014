//! Connecting to a cluster the way kubectl does: `--kubeconfig`, `--context` and
//! `-n/--namespace` on every command, `KUBECONFIG` (a list of files, merged), then
//! `~/.kube/config`, and the pod's service account when running inside a cluster.
//!
//! [`connect`] asks the API server for its version before returning, so a wrong address, a dead
//! server or rejected credentials are reported once, up front, with what to do about them.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

/// The flags that choose a cluster, shared by every command (`global` in clap, so they may come
/// before or after the subcommand, as with kubectl).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ClusterArgs {
    /// Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Cluster options"
    )]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use [default: the current context]
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Cluster options"
    )]
    pub context: Option<String>,
    /// The namespace [default: the context's namespace; for install and uninstall: kro-system]
    #[arg(
        short = 'n',
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Cluster options"
    )]
    pub namespace: Option<String>,
}

/// A client and what the user should hear about where it points.
pub struct Connection {
    /// The client.
    pub client: kube::Client,
    /// The API server's address.
    pub url: String,
    /// The kubeconfig context in use (`None` inside a cluster).
    pub context: Option<String>,
    /// `-n`, else the context's namespace, else `default`.
    pub namespace: String,
}

/// Why a command could not talk to the cluster. Every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No kubeconfig anywhere and not inside a cluster.
    #[error(
        "no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist — pass --kubeconfig or set KUBECONFIG"
    )]
    NoKubeconfig,
    /// A kubeconfig file could not be read or parsed.
    #[error("cannot read the kubeconfig {from}: {message}")]
    Kubeconfig {
        /// The file, or `KUBECONFIG`.
        from: String,
        /// What went wrong (the innermost cause).
        message: String,
    },
    /// `--context` names a context the kubeconfig does not have.
    #[error(
        "context {context:?} is not in the kubeconfig {from} (it has: {known}) — check --context"
    )]
    UnknownContext {
        /// The name asked for.
        context: String,
        /// Where the kubeconfig came from.
        from: String,
        /// The contexts it has.
        known: String,
    },
    /// The kubeconfig names no current context and `--context` was not given.
    #[error("the kubeconfig {from} has no current context (it has: {known}) — pass --context")]
    NoCurrentContext {
        /// Where the kubeconfig came from.
        from: String,
        /// The contexts it has.
        known: String,
    },
    /// The context could not be turned into a client configuration (a missing certificate
    /// file, a bad server URL, …).
    #[error("cannot use context {context:?}: {message} — check --context or KUBECONFIG")]
    Config {
        /// The context.
        context: String,
        /// What went wrong.
        message: String,
    },
    /// Running inside a pod, but its service account credentials could not be read.
    #[error("cannot use the in-cluster service account: {0} — pass --kubeconfig")]
    InCluster(String),
    /// The API server could not be reached (refused, unresolvable, TLS, timeout).
    #[error("cannot reach the cluster at {url}{}: {cause} — check --context or KUBECONFIG", in_context(.context))]
    Unreachable {
        /// The API server's address.
        url: String,
        /// The context in use.
        context: Option<String>,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        cause: String,
    },
    /// The API server rejected the credentials (401).
    #[error("the cluster at {url} rejected the credentials{}: {message} — log in again or check --context", in_context(.context))]
    Unauthorized {
        /// The API server's address.
        url: String,
        /// The context in use.
        context: Option<String>,
        /// The server's message.
        message: String,
    },
}

fn in_context(context: &Option<String>) -> String {
    context
        .as_ref()
        .map(|c| format!(" (context {c})"))
        .unwrap_or_default()
}

impl Connection {
    /// Turns a client error into what the user should read: connection problems and rejected
    /// credentials become [`ClusterError`]s; API errors (not found, forbidden, invalid) pass
    /// through for the caller to describe.
    pub fn error(&self, error: kube::Error) -> anyhow::Error {
        match error {
            kube::Error::Api(status) if status.code == 401 => ClusterError::Unauthorized {
                url: self.url.clone(),
                context: self.context.clone(),
                message: status.message.clone(),
            }
            .into(),
            kube::Error::Api(status) => {
                anyhow::anyhow!("{} ({} {})", status.message, status.code, status.reason)
            }
            other => ClusterError::Unreachable {
                url: self.url.clone(),
                context: self.context.clone(),
                cause: innermost(&other),
            }
            .into(),
        }
    }
}

/// The deepest message in an error's chain: `Connection refused (os error 111)` rather than
/// `ServiceError: client error (Connect)`.
pub fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(next) = deepest.source() {
        deepest = next;
    }
    deepest.to_string()
}

/// Connects with the flags' choices and checks that the API server answers.
///
/// # Errors
///
/// [`ClusterError`] when no configuration can be found or used, the server cannot be reached or
/// rejects the credentials.
pub async fn connect(args: &ClusterArgs) -> Result<Connection, anyhow::Error> {
    let (config, context) = load_config(args).await?;
    let url = config.cluster_url.to_string();
    let url = url.trim_end_matches('/').to_owned();
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let client = kube::Client::try_from(config).map_err(|e| ClusterError::Config {
        context: context.clone().unwrap_or_default(),
        message: innermost(&e),
    })?;
    let connection = Connection {
        client,
        url,
        context,
        namespace,
    };
    connection
        .client
        .apiserver_version()
        .await
        .map_err(|e| connection.error(e))?;
    Ok(connection)
}

async fn load_config(args: &ClusterArgs) -> Result<(kube::Config, Option<String>), ClusterError> {
    let home = std::env::home_dir().map(|h| h.join(".kube").join("config"));
    let from_env = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
    let (kubeconfig, from) = if let Some(path) = &args.kubeconfig {
        let from = path.display().to_string();
        let read = Kubeconfig::read_from(path).map_err(|e| unreadable(&from, &e))?;
        (read, from)
    } else if from_env {
        let read = Kubeconfig::from_env()
            .map_err(|e| unreadable("KUBECONFIG", &e))?
            .unwrap_or_default();
        (read, "KUBECONFIG".to_owned())
    } else if let Some(path) = home.filter(|p| p.exists()) {
        let from = path.display().to_string();
        let read = Kubeconfig::read_from(&path).map_err(|e| unreadable(&from, &e))?;
        (read, from)
    } else if args.context.is_none() && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        let config =
            kube::Config::incluster().map_err(|e| ClusterError::InCluster(innermost(&e)))?;
        return Ok((config, None));
    } else {
        return Err(ClusterError::NoKubeconfig);
    };

    let known = || {
        let names: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if names.is_empty() {
            "no contexts".to_owned()
        } else {
            names.join(", ")
        }
    };
    let context = match (&args.context, &kubeconfig.current_context) {
        (Some(name), _) => name.clone(),
        (None, Some(current)) if !current.is_empty() => current.clone(),
        (None, _) => {
            return Err(ClusterError::NoCurrentContext {
                from,
                known: known(),
            });
        }
    };
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        return Err(ClusterError::UnknownContext {
            context,
            from,
            known: known(),
        });
    }
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ClusterError::Config {
            context: context.clone(),
            message: innermost(&e),
        })?;
    Ok((config, Some(context)))
}

fn unreadable(from: &str, error: &KubeconfigError) -> ClusterError {
    // The file's name is in our message; the innermost cause says what is wrong with it.
    let message = match error {
        KubeconfigError::ReadConfig(io, _) => io.to_string(),
        other => innermost(other),
    };
    ClusterError::Kubeconfig {
        from: from.to_owned(),
        message,
    }
}

/// A runtime for a command's requests (commands are synchronous at the top; the controller
/// brings its own).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
