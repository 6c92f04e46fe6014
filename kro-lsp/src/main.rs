//! `kro-lsp`: the language server for kro ResourceGraphDefinitions, over stdio.
//!
//! stdout carries the protocol and nothing else; logs go to stderr (`KRO_LSP_LOG` sets the
//! filter, e.g. `KRO_LSP_LOG=kro_lsp=debug`).

mod capabilities;
mod cluster;
mod convert;
mod documents;
mod handlers;
mod publish;
mod server;
mod transport;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--version" || a == "-V") {
        println!("kro-lsp {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KRO_LSP_LOG")
                .unwrap_or_else(|_| "kro_lsp=info".into()),
        )
        .init();
    let shut_down = server::serve_stdio().await;
    // Exit now rather than wait for the stdin reader: 0 after `shutdown`, 1 otherwise (LSP).
    std::process::exit(if shut_down { 0 } else { 1 });
}
