//! The Prometheus families of SPEC A8, served on `--metrics-bind-address`.

use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;
type Histograms = Family<Labels, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Every family the controller reports.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// `instance_reconcile_total{gvk}`.
    pub instance_reconcile: Family<Labels, Counter>,
    /// `instance_reconcile_duration_seconds{gvk}`.
    pub instance_reconcile_duration: Histograms,
    /// `instance_reconcile_errors_total{gvk,error}`.
    pub instance_reconcile_errors: Family<Labels, Counter>,
    /// `instance_state_transitions_total{gvk,from,to}`.
    pub instance_state_transitions: Family<Labels, Counter>,
    /// `rgd_graph_build_total{result}`.
    pub rgd_graph_build: Family<Labels, Counter>,
    /// `rgd_graph_build_duration_seconds`.
    pub rgd_graph_build_duration: Histograms,
    /// `cel_expr_eval_total{gvk}`: expressions the planner ran.
    pub cel_expr_eval: Family<Labels, Counter>,
    /// `dynamic_controller_queue_length{gvk}`: instances being reconciled now.
    pub queue_length: Family<Labels, Gauge>,
    /// `rest_client_requests_total{method,code}`: every API request the controller made.
    pub rest_client_requests: Family<Labels, Counter>,
}

impl Metrics {
    /// Registers every family.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let metrics = Metrics {
            registry: Mutex::new(Registry::default()),
            instance_reconcile: Family::default(),
            instance_reconcile_duration: Family::new_with_constructor(seconds),
            instance_reconcile_errors: Family::default(),
            instance_state_transitions: Family::default(),
            rgd_graph_build: Family::default(),
            rgd_graph_build_duration: Family::new_with_constructor(seconds),
            cel_expr_eval: Family::default(),
            queue_length: Family::default(),
            rest_client_requests: Family::default(),
        };
        registry.register(
            "instance_reconcile",
            "Instance reconciles",
            metrics.instance_reconcile.clone(),
        );
        registry.register(
            "instance_reconcile_duration_seconds",
            "Time one instance reconcile took",
            metrics.instance_reconcile_duration.clone(),
        );
        registry.register(
            "instance_reconcile_errors",
            "Instance reconciles that failed",
            metrics.instance_reconcile_errors.clone(),
        );
        registry.register(
            "instance_state_transitions",
            "Changes of an instance's status.state",
            metrics.instance_state_transitions.clone(),
        );
        registry.register(
            "rgd_graph_build",
            "RGD compilations",
            metrics.rgd_graph_build.clone(),
        );
        registry.register(
            "rgd_graph_build_duration_seconds",
            "Time one RGD compilation took",
            metrics.rgd_graph_build_duration.clone(),
        );
        registry.register(
            "cel_expr_eval",
            "CEL expressions evaluated by the planner",
            metrics.cel_expr_eval.clone(),
        );
        registry.register(
            "dynamic_controller_queue_length",
            "Instances of a kind being reconciled now",
            metrics.queue_length.clone(),
        );
        registry.register(
            "rest_client_requests",
            "API requests by method and response code",
            metrics.rest_client_requests.clone(),
        );
        *metrics.registry.lock().expect("metrics lock") = registry;
        metrics
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().expect("metrics lock");
        let _ = encode(&mut out, &registry);
        out
    }
}
