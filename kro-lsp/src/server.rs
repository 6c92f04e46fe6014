//! The server: document lifecycle, and the routing table from protocol methods to handlers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use crate::capabilities::{GRAPH_REQUEST, server_capabilities};
use crate::cluster::{Cluster, Settings};
use crate::documents::{Documents, Snapshot};
use crate::handlers::{self, graph::GraphParams};
use crate::publish::Publisher;
use crate::transport;

/// Whether the client sent `shutdown` before `exit`.
static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

/// Serves the protocol on stdin/stdout until the client says `exit` or closes stdin; whether
/// it asked for `shutdown` first.
pub(crate) async fn serve_stdio() -> bool {
    let (service, socket) = LspService::build(Server::new)
        .custom_method(GRAPH_REQUEST, Server::graph)
        .finish();
    tower_lsp_server::Server::new(transport::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
    SHUT_DOWN.load(Ordering::SeqCst)
}

pub(crate) struct Server {
    documents: Arc<Documents>,
    publisher: Arc<Publisher>,
    cluster: Cluster,
    /// Cluster-mode settings from `initialize`, applied once the client is `initialized`.
    initial_settings: std::sync::Mutex<Option<Settings>>,
}

impl Server {
    fn new(client: Client) -> Self {
        let documents = Arc::new(Documents::default());
        let publisher = Arc::new(Publisher::new(client.clone(), documents.clone()));
        Server {
            cluster: Cluster::new(client, documents.clone(), publisher.clone()),
            publisher,
            documents,
            initial_settings: std::sync::Mutex::default(),
        }
    }

    /// Runs `handler` on the document's current snapshot, off the async threads. Files that
    /// are not RGDs get the empty answer; a handler that panics gets an internal error, and the
    /// server keeps serving.
    async fn run<P, R>(
        &self,
        uri: &Uri,
        params: P,
        handler: fn(&Snapshot, P) -> Result<R>,
    ) -> Result<R>
    where
        P: Send + 'static,
        R: Default + Send + 'static,
    {
        let Some(snapshot) = self.documents.snapshot(uri) else {
            return Ok(R::default());
        };
        let task = tokio::task::spawn_blocking(move || {
            if !snapshot.analysis().is_rgd_file() {
                return Ok(R::default());
            }
            handler(&snapshot, params)
        });
        task.await.unwrap_or_else(|error| {
            tracing::error!(uri = uri.as_str(), %error, "a request handler failed");
            Err(Error::internal_error())
        })
    }

    async fn graph(&self, params: GraphParams) -> Result<Vec<kro_core::graph::render::GraphView>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::graph::handle).await
    }
}

/// The routing table: one line per method.
impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let debounce = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("diagnosticsDebounceMs")?.as_u64());
        if let Some(ms) = debounce {
            self.publisher.set_debounce(Duration::from_millis(ms));
        }
        let refresh = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.inlay_hint.as_ref()?.refresh_support);
        self.cluster
            .set_refresh_inlay_hints(refresh.unwrap_or(false));
        let settings = params
            .initialization_options
            .as_ref()
            .and_then(Settings::from_json);
        *self
            .initial_settings
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = settings;
        Ok(InitializeResult {
            capabilities: server_capabilities(),
            server_info: Some(ServerInfo {
                name: "kro-lsp".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let settings = self
            .initial_settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(settings) = settings {
            self.cluster.configure(settings);
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if let Some(settings) = Settings::from_json(&params.settings) {
            self.cluster.configure(settings);
        }
    }

    async fn shutdown(&self) -> Result<()> {
        SHUT_DOWN.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.documents.open(doc.uri.clone(), doc.version, &doc.text);
        self.publisher.schedule(doc.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        if self
            .documents
            .change(&doc.uri, doc.version, params.content_changes)
        {
            self.publisher.schedule(doc.uri);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let had_diagnostics = self.documents.close(&uri);
        self.publisher.closed(uri, had_diagnostics).await;
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri.clone();
        self.run(&uri, params, handlers::completion::handle).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params
            .text_document_position_params
            .text_document
            .uri
            .clone();
        self.run(&uri, params, handlers::hover::handle).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let uri = params
            .text_document_position_params
            .text_document
            .uri
            .clone();
        self.run(&uri, params, handlers::definition::handle).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let uri = params.text_document_position.text_document.uri.clone();
        self.run(&uri, params, handlers::references::handle).await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::rename::prepare).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let uri = params.text_document_position.text_document.uri.clone();
        self.run(&uri, params, handlers::rename::handle).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::document_symbol::handle)
            .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::inlay_hint::handle).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::code_action::handle).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::code_lens::handle).await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::semantic_tokens::full)
            .await
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let uri = params.text_document.uri.clone();
        self.run(&uri, params, handlers::semantic_tokens::range)
            .await
    }
}
