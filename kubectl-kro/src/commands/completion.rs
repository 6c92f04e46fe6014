//! `kubectl kro completion`: shell completion scripts.

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::Outcome;

/// Print a shell completion script.
///
/// Load it in the current shell, e.g. `source <(kubectl-kro completion bash)`, or save it
/// where your shell reads completions.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell
    #[arg(value_enum)]
    shell: CompletionShell,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub fn run<C: CommandFactory>(args: Args) -> Result<Outcome> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut command = C::command();
    clap_complete::generate(shell, &mut command, "kubectl-kro", &mut std::io::stdout());
    Ok(Outcome::Ok)
}
