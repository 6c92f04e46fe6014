//! A minimal HTTP/1.1 server for /healthz, /readyz and /metrics (no framework needed for
//! three GETs).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::Context;
use super::metrics::Metrics;

/// What one listener answers.
pub enum Endpoints {
    /// /healthz (always ok while the process runs) and /readyz (once reconciling).
    Health(Arc<Context>),
    /// /metrics.
    Metrics(Arc<Metrics>),
}

/// `:8078` → `0.0.0.0:8078`; `0` or empty → off.
pub fn parse_address(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    if text.is_empty() || text == "0" {
        return None;
    }
    let full = if text.starts_with(':') {
        format!("0.0.0.0{text}")
    } else {
        text.to_owned()
    };
    full.parse().ok()
}

/// Binds `addr` and answers until `stop` resolves.
///
/// # Errors
///
/// When the address cannot be bound.
pub async fn serve(
    addr: SocketAddr,
    endpoints: Endpoints,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let endpoints = Arc::new(endpoints);
    tokio::spawn(async move {
        tokio::pin!(stop);
        loop {
            let accepted = tokio::select! {
                () = &mut stop => break,
                accepted = listener.accept() => accepted,
            };
            let Ok((mut stream, _)) = accepted else {
                continue;
            };
            let endpoints = endpoints.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let Ok(n) = stream.read(&mut buffer).await else {
                    return;
                };
                let request = String::from_utf8_lossy(&buffer[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or(path);
                let (status, content_type, body) = answer(&endpoints, path);
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(())
}

fn answer(endpoints: &Endpoints, path: &str) -> (&'static str, &'static str, String) {
    const TEXT: &str = "text/plain; charset=utf-8";
    match (endpoints, path) {
        (Endpoints::Health(_), "/healthz" | "/livez") => ("200 OK", TEXT, "ok".to_owned()),
        (Endpoints::Health(ctx), "/readyz") if ctx.is_ready() => ("200 OK", TEXT, "ok".to_owned()),
        (Endpoints::Health(_), "/readyz") => (
            "503 Service Unavailable",
            TEXT,
            "not ready: waiting for leadership".to_owned(),
        ),
        (Endpoints::Metrics(metrics), "/metrics") => (
            "200 OK",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics.render(),
        ),
        _ => ("404 Not Found", TEXT, "not found".to_owned()),
    }
}
