//! `textDocument/publishDiagnostics`: everything the compiler reports, for RGD files only.

use tower_lsp_server::ls_types::Diagnostic;

use crate::convert::to_proto;
use crate::documents::Snapshot;

/// The diagnostics to publish, or `None` for a file that is not an RGD (left to other tools).
pub(crate) fn compute(snapshot: &Snapshot) -> Option<Vec<Diagnostic>> {
    let analysis = snapshot.analysis();
    analysis.is_rgd_file().then(|| {
        analysis
            .diagnostics()
            .iter()
            .map(|d| to_proto::diagnostic(snapshot, d))
            .collect()
    })
}
