//! `newsflow-query`: the `newsflow query` command on its own (for the benchmark and the
//! crate's end-to-end tests; `newsflow query` in the newsflow binary is the same
//! [`newsflow_query::run`]).

use clap::Parser;

#[derive(Parser)]
#[command(name = "newsflow-query", version)]
struct Cli {
    #[command(flatten)]
    args: newsflow_query::QueryArgs,
}

fn main() {
    if let Err(e) = newsflow_query::run(Cli::parse().args) {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}
