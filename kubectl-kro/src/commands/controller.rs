//! `kubectl kro controller`: run the kro controller in the foreground against the current
//! context, with the reference controller's flag names and defaults (SPEC A8).

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::Outcome;
use crate::controller::{self, Settings};
use crate::kube_client::{self, ClusterArgs};

/// Run the kro controller in the foreground.
///
/// Watches ResourceGraphDefinitions, creates their CRDs and reconciles their instances until
/// SIGTERM or ctrl-c. Logs go to stderr (`RUST_LOG` filters them, default `info`; `--log-format
/// json` for machines). The cluster comes from --kubeconfig/--context, as for every command.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro controller                                   against the current context\n  \
    kubectl kro controller --context dev --allow-crd-deletion\n  \
    kubectl kro controller --metrics-bind-address 0          no metrics endpoint")]
pub struct Args {
    /// Address of the Prometheus metrics endpoint (`0` turns it off)
    #[arg(long, default_value = ":8078", value_name = "ADDR")]
    pub metrics_bind_address: String,
    /// Address of /healthz and /readyz (`0` turns it off)
    #[arg(long, default_value = ":8079", value_name = "ADDR")]
    pub health_probe_bind_address: String,
    /// Take a Lease (kro-controller-leader in the namespace) before reconciling, so only one
    /// replica works at a time
    #[arg(long)]
    pub leader_elect: bool,
    /// Delete an RGD's CRD (and so every instance) when the RGD is deleted
    #[arg(long)]
    pub allow_crd_deletion: bool,
    /// Instances reconciled at once, per served kind
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub dynamic_controller_concurrent_reconciles: u16,
    /// How soon an instance that is not ACTIVE is looked at again (e.g. 3s, 500ms, 1m)
    #[arg(long, default_value = "3s", value_parser = parse_duration, value_name = "DURATION")]
    pub instance_requeue_interval: Duration,
    /// How often an ACTIVE instance is checked again with no event (children and external
    /// references are watched; this is the safety net)
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub instance_resync_interval: Duration,
    /// Requests per second to the API server, on average
    #[arg(long, default_value_t = 100.0, value_name = "QPS")]
    pub client_qps: f32,
    /// Requests allowed in a burst above --client-qps
    #[arg(long, default_value_t = 150, value_name = "N")]
    pub client_burst: u32,
    /// Most objects one forEach collection may expand to
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub rgd_max_collection_size: usize,
    /// Most forEach dimensions of one resource
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub rgd_max_collection_dimension_size: usize,
    /// Only RGDs matching this label selector (for running controllers side by side, as the
    /// tests do)
    #[arg(long, hide = true, value_name = "SELECTOR")]
    pub rgd_selector: Option<String>,
    /// Log format
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// Parses `3s`, `500ms`, `1m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 3s, 500ms or 1m"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ));
        }
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// Runs the controller until a signal arrives.
pub fn run(args: Args, cluster: &ClusterArgs) -> Result<Outcome> {
    controller::init_logging(&args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let connection = kube_client::connect(cluster).await?;
        let settings = Settings {
            metrics_bind_address: args.metrics_bind_address,
            health_probe_bind_address: args.health_probe_bind_address,
            leader_elect: args.leader_elect,
            lease_namespace: connection.namespace.clone(),
            allow_crd_deletion: args.allow_crd_deletion,
            concurrency: args.dynamic_controller_concurrent_reconciles.max(1),
            instance_requeue_interval: args.instance_requeue_interval,
            instance_resync_interval: args.instance_resync_interval,
            client_qps: args.client_qps,
            client_burst: args.client_burst,
            max_collection_size: args.rgd_max_collection_size,
            max_collection_dimensions: args.rgd_max_collection_dimension_size,
            rgd_selector: args.rgd_selector,
        };
        tracing::info!(server = %connection.url, context = ?connection.context, "kro controller starting");
        controller::run(connection.client, settings, controller::shutdown_signal()).await
    })?;
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("3 parsecs").is_err());
    }
}
