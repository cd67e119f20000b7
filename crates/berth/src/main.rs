//! The `berth` binary: parses the command line, sets up logging, and wires the services to the server.
//! Nothing else lives here.

mod cli;
mod config;

use std::process::ExitCode;
use std::sync::Arc;

use berth_core::Core;
use berth_server::AppState;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, LogFormat, ServerArgs};

/// Exit code for a problem the operator must fix (bad flag, unusable data dir, busy port), as clap uses.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Server(args) => run_server(*args),
        Command::Openapi => {
            use std::io::Write;
            // A closed pipe (`berth openapi | head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{}", berth_server::openapi_json());
            ExitCode::SUCCESS
        }
    }
}

fn fail(message: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("berth: error: {message}");
    ExitCode::from(code)
}

fn run_server(args: ServerArgs) -> ExitCode {
    if let Err(message) = init_logging(&args.log_level, args.log_format) {
        return fail(message, USAGE_ERROR);
    }
    let config = match config::resolve(&args) {
        Ok(config) => config,
        Err(message) => return fail(message, USAGE_ERROR),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("starting the runtime: {error}"), 1),
    };
    runtime.block_on(serve(config))
}

async fn serve(config: config::ServerConfig) -> ExitCode {
    let bound = match berth_server::bind(&config.listen).await {
        Ok(bound) => bound,
        Err(error) => return fail(error, USAGE_ERROR),
    };
    let data_dir = config.core.data_dir.clone();
    let core = match Core::start(config.core).await {
        Ok(core) => core,
        Err(error) => return fail(error, USAGE_ERROR),
    };
    let urls = bound.urls();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        listeners = %urls.join(", "),
        data_dir = %data_dir.display(),
        database = %config.database_display,
        "berth server started"
    );
    if let Some(token) = &core.setup_token {
        let base = urls.first().cloned().unwrap_or_default();
        tracing::info!(
            "first run: no administrator yet. Set up at {base}/setup?token={token} \
             or POST {base}/api/system/setup with {{\"username\", \"password\", \"setup_token\": \"{token}\"}}"
        );
    }
    let state = AppState {
        core: Arc::clone(&core),
        trusted_proxies: Arc::new(config.trusted_proxies),
    };
    let result = bound.serve(state, shutdown_signal()).await;
    core.shutdown().await;
    match result {
        Ok(()) => {
            tracing::info!("berth server stopped");
            ExitCode::SUCCESS
        }
        Err(error) => fail(error, 1),
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "can't listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn init_logging(level: &str, format: LogFormat) -> Result<(), String> {
    let filter =
        EnvFilter::try_new(level).map_err(|error| format!("--log-level {level:?}: {error}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}
