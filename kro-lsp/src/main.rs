//! `kro-lsp`: the language server for kro ResourceGraphDefinitions (stdio).

fn main() {
    eprintln!("kro-lsp {}", env!("CARGO_PKG_VERSION"));
}
