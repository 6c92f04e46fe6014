//! The kro controller: a shell around core's pure compiler and planner.
//!
//! - [`rgd`] watches ResourceGraphDefinitions, compiles them with core, creates their CRDs and
//!   asks [`kinds`] to serve each kind with the last graph that compiled.
//! - [`kinds`] runs one instance controller per served kind and stops it when its RGD goes.
//! - [`instance`] reconciles one instance: observe children, ask the planner, server-side
//!   apply, prune, write status.
//! - [`health`] serves /healthz, /readyz and /metrics; [`metrics`] holds the families;
//!   [`lease`] is leader election; [`context`] is what every reconcile shares; [`client`]
//!   rate-limits and counts the API requests.
//!
//! Nothing here decides what a child should look like: that is core's planner.

mod client;
mod conditions;
mod context;
mod error;
mod events;
mod externals;
mod health;
mod instance;
mod kinds;
mod lease;
mod metrics;
mod rgd;
mod watches;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use context::Context;

/// What the command line chose (SPEC A8).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--metrics-bind-address` (`0` = off).
    pub metrics_bind_address: String,
    /// `--health-probe-bind-address` (`0` = off).
    pub health_probe_bind_address: String,
    /// `--leader-elect`.
    pub leader_elect: bool,
    /// Where the leader-election Lease lives.
    pub lease_namespace: String,
    /// `--allow-crd-deletion`.
    pub allow_crd_deletion: bool,
    /// `--dynamic-controller-concurrent-reconciles`.
    pub concurrency: u16,
    /// `--instance-requeue-interval`.
    pub instance_requeue_interval: Duration,
    /// `--instance-resync-interval`.
    pub instance_resync_interval: Duration,
    /// `--client-qps`.
    pub client_qps: f32,
    /// `--client-burst`.
    pub client_burst: u32,
    /// `--rgd-max-collection-size`.
    pub max_collection_size: usize,
    /// `--rgd-max-collection-dimension-size`.
    pub max_collection_dimensions: usize,
    /// Only RGDs matching this label selector.
    pub rgd_selector: Option<String>,
}

/// The version written to `kro.run/kro-version` labels.
pub const KRO_VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));

/// The finalizer on RGDs and instances.
pub const FINALIZER: &str = "kro.run/finalizer";

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // The client's debug lines print API refusals whole, and a refusal quotes the value it
    // refused, which may come from a Secret: they show only when asked for by name.
    let asked = std::env::var("RUST_LOG").is_ok_and(|v| v.contains("kube_client"));
    if !asked && let Ok(quiet) = "kube_client::client=info".parse() {
        filter = filter.add_directive(quiet);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        );
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Resolves on SIGTERM or ctrl-c.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down");
}

/// Runs the controller until `shutdown` resolves.
///
/// # Errors
///
/// When an endpoint cannot bind its address, or leadership cannot be taken or is lost.
pub async fn run(
    client: kube::Client,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = {
        let rx = stop_rx.clone();
        move || {
            let mut rx = rx.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        }
    };

    let metrics = Arc::new(metrics::Metrics::new());
    let client = client::instrument(
        client,
        settings.client_qps,
        settings.client_burst,
        metrics.rest_client_requests.clone(),
    );
    let ctx = Arc::new(Context::new(
        client.clone(),
        settings.clone(),
        metrics.clone(),
    ));
    if let Some(addr) = health::parse_address(&settings.health_probe_bind_address) {
        health::serve(addr, health::Endpoints::Health(ctx.clone()), stopped()).await?;
        tracing::info!(%addr, "serving /healthz and /readyz");
    }
    if let Some(addr) = health::parse_address(&settings.metrics_bind_address) {
        health::serve(addr, health::Endpoints::Metrics(metrics.clone()), stopped()).await?;
        tracing::info!(%addr, "serving /metrics");
    }

    let mut lost_leadership = None;
    if settings.leader_elect {
        let elected = lease::acquire(&client, &settings.lease_namespace, stopped()).await?;
        match elected {
            Some(lost) => lost_leadership = Some(lost),
            None => return Ok(()),
        }
    }
    ctx.set_ready(true);

    let rgds = rgd::run(ctx.clone(), stopped());
    let outcome = match lost_leadership {
        Some(lost) => tokio::select! {
            () = rgds => Ok(()),
            error = lost => Err(error),
        },
        None => {
            rgds.await;
            Ok(())
        }
    };
    ctx.kinds.stop_all().await;
    if settings.leader_elect && outcome.is_ok() {
        lease::release(&client, &settings.lease_namespace).await;
    }
    outcome
}
