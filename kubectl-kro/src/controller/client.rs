//! The controller's API client: the connected client wrapped with a client-side rate limit
//! (`--client-qps` / `--client-burst`, a token bucket as client-go's) and a count of every
//! request by method and response code (`rest_client_requests_total`), so writes are visible.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};
use kube::client::Body;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

/// `(method, code)` labels of `rest_client_requests_total`.
pub type RequestLabels = Vec<(&'static str, String)>;

/// Wraps `client`: every request waits for a token, then is counted with its response code.
pub fn instrument(
    client: kube::Client,
    qps: f32,
    burst: u32,
    requests: Family<RequestLabels, Counter>,
) -> kube::Client {
    let namespace = client.default_namespace().to_owned();
    let service = Metered {
        inner: client,
        limiter: Arc::new(TokenBucket::new(qps, burst)),
        requests,
    };
    kube::Client::new(service, namespace)
}

#[derive(Clone)]
struct Metered {
    inner: kube::Client,
    limiter: Arc<TokenBucket>,
    requests: Family<RequestLabels, Counter>,
}

impl tower_service::Service<Request<Body>> for Metered {
    type Response = Response<Body>;
    type Error = kube::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, kube::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), kube::Error>> {
        // The inner client buffers requests; readiness is decided per call by the limiter.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            if let Some(wait) = this.limiter.take() {
                tokio::time::sleep(wait).await;
            }
            let method = request.method().as_str().to_owned();
            let result = this.inner.send(request).await;
            let code = match &result {
                Ok(response) => response.status().as_u16().to_string(),
                Err(_) => "<error>".to_owned(),
            };
            this.requests
                .get_or_create(&vec![("method", method), ("code", code)])
                .inc();
            result
        })
    }
}

/// A token bucket: `burst` tokens, refilled at `qps` per second; `qps <= 0` means no limit.
struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    fn new(qps: f32, burst: u32) -> TokenBucket {
        let burst = f64::from(burst.max(1));
        TokenBucket {
            qps: f64::from(qps),
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token now; returns how long to wait before using it (`None`: go at once).
    /// Tokens may go negative: each waiter reserves its own slot in the future.
    fn take(&self) -> Option<Duration> {
        self.take_at(Instant::now())
    }

    fn take_at(&self, now: Instant) -> Option<Duration> {
        if self.qps <= 0.0 {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = *state;
        let refilled =
            (tokens + now.saturating_duration_since(last).as_secs_f64() * self.qps).min(self.burst);
        let left = refilled - 1.0;
        *state = (left, now);
        (left < 0.0).then(|| Duration::from_secs_f64(-left / self.qps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_requests_are_spaced_by_qps() {
        let bucket = TokenBucket::new(10.0, 3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(bucket.take_at(start), None);
        }
        // The 4th and 5th wait 100 ms and 200 ms: one token per 1/qps.
        let fourth = bucket.take_at(start).expect("a wait");
        let fifth = bucket.take_at(start).expect("a wait");
        assert!((fourth.as_secs_f64() - 0.1).abs() < 1e-9, "{fourth:?}");
        assert!((fifth.as_secs_f64() - 0.2).abs() < 1e-9, "{fifth:?}");
        // After a quiet while the bucket is full again, never fuller than the burst.
        let later = start + Duration::from_secs(10);
        for _ in 0..3 {
            assert_eq!(bucket.take_at(later), None);
        }
        assert!(bucket.take_at(later).is_some());
    }

    #[test]
    fn zero_qps_means_no_limit() {
        let bucket = TokenBucket::new(0.0, 1);
        let now = Instant::now();
        assert!((0..1000).all(|_| bucket.take_at(now).is_none()));
    }
}
