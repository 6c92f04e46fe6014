//! One module per subcommand.

pub mod completion;
pub mod controller;
pub mod generate;
pub mod graph;
pub mod install;
pub mod render;
pub mod status;
pub mod uninstall;
pub mod validate;
