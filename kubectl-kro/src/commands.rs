//! One module per subcommand.

pub mod completion;
pub mod generate;
pub mod graph;
pub mod install;
pub mod uninstall;
pub mod validate;
