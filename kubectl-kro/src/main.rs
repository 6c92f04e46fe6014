//! `kubectl-kro`: the kubectl plugin for kro ResourceGraphDefinitions.

fn main() {
    println!("kubectl-kro {}", env!("CARGO_PKG_VERSION"));
}
