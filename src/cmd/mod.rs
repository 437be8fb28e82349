//! One module per command. Each takes its parsed arguments and returns the exit code.

mod actions;
mod build;
mod check;
mod mdbook;
mod new;
mod pull;
mod schema;
mod serve;
mod timeline;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, ColorChoice, Command};
use crate::diagnostics::Style;

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let style = style(cli.color);
    if let Some(file) = cli.config {
        if !file.is_file() {
            let near = crate::load::near_name(&file)
                .map(|n| format!("; did you mean `{}`?", n.display()))
                .unwrap_or_default();
            eprintln!("error: --config {}: no such file{near}", file.display());
            return Ok(ExitCode::from(2));
        }
        crate::load::config_file::choose(file);
    }
    match cli.command {
        Command::New(args) => new::run(&args),
        Command::Check(args) => check::run(&args, style),
        Command::Actions(args) => actions::run(&args, style),
        Command::Build(args) => build::run(&args, style),
        Command::Serve(args) => serve::run(&args),
        Command::Timeline(args) => timeline::run(&args, style),
        Command::Pull(args) => pull::run(&args, style),
        Command::Schema => schema::run(),
        Command::Mdbook { query } => mdbook::run(&query),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "debrief",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn style(choice: ColorChoice) -> Style {
    let colored = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    if colored {
        Style::Colored
    } else {
        Style::Plain
    }
}
