//! `kubectl-kro`: the kubectl plugin for kro ResourceGraphDefinitions.
//!
//! `main` parses the command line and dispatches; each subcommand lives in its own file
//! under `commands/`. Exit codes: 0 ok, 1 the thing checked is invalid or not ready, 2 usage
//! or connection error.

mod cluster_rgd;
mod commands;
mod controller;
mod inputs;
mod kube_client;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Write, check and run kro ResourceGraphDefinitions.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-kro",
    bin_name = "kubectl kro",
    version,
    about = "Write, check and run kro ResourceGraphDefinitions",
    long_about = "Write, check and run kro ResourceGraphDefinitions (RGDs).\n\n\
        Commands that read files work offline: validate, graph, render and generate need no \
        cluster. Commands that talk to a cluster (status, install, uninstall, controller, and \
        validate --against-cluster, graph RGD-NAME) honour --kubeconfig, --context and -n.\n\n\
        Exit status: 0 ok, 1 the thing checked is invalid or not ready, 2 usage error, \
        unreadable input or no cluster.",
    after_help = "Examples:\n  \
        kubectl kro validate rgds/                 check every RGD under rgds/\n  \
        kubectl kro graph webapp.yaml -o dot       the dependency graph for Graphviz\n  \
        kubectl kro generate crd webapp.yaml       the CRD the controller would create\n  \
        kubectl kro status webapp/shop             an instance and why it is not ready"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    cluster: kube_client::ClusterArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    Validate(commands::validate::Args),
    Graph(commands::graph::Args),
    Render(commands::render::Args),
    Status(commands::status::Args),
    #[command(subcommand)]
    Generate(commands::generate::Generate),
    Install(commands::install::Args),
    Uninstall(commands::uninstall::Args),
    Completion(commands::completion::Args),
    Controller(commands::controller::Args),
}

/// What a command reports back to `main`.
pub enum Outcome {
    /// Everything checked is fine.
    Ok,
    /// The thing checked is invalid or not ready (exit 1).
    Invalid,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => commands::validate::run(args, &cli.cluster),
        Command::Graph(args) => commands::graph::run(args, &cli.cluster),
        Command::Render(args) => commands::render::run(args),
        Command::Status(args) => commands::status::run(args, &cli.cluster),
        Command::Generate(command) => commands::generate::run(command, &cli.cluster),
        Command::Install(args) => commands::install::run(args, &cli.cluster),
        Command::Uninstall(args) => commands::uninstall::run(args, &cli.cluster),
        Command::Completion(args) => commands::completion::run::<Cli>(args),
        Command::Controller(args) => commands::controller::run(args, &cli.cluster),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
