//! The command line as typed: flags with `BERTH_*` environment fallbacks, parsed by clap, not yet checked.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "berth",
    version,
    about = "Berth: manage Docker environments from one server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Berth server: web app, API, Docker gateway and live state.
    Server(Box<ServerArgs>),
    /// Print the OpenAPI document (the web app's API types are generated from it).
    Openapi,
}

/// A listen address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    Off,
    On(SocketAddr),
}

fn parse_listen(value: &str) -> Result<Listen, String> {
    if value.eq_ignore_ascii_case("off") {
        return Ok(Listen::Off);
    }
    value
        .parse()
        .map(Listen::On)
        .map_err(|_| format!("{value:?} is not an address such as 127.0.0.1:9000, or off"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Where Berth keeps everything: database, secret key, TLS certificate.
    #[arg(long, env = "BERTH_DATA_DIR", default_value = "./berth-data")]
    pub data_dir: PathBuf,

    /// Serve plain HTTP on this address (off unless given).
    #[arg(long, env = "BERTH_HTTP_LISTEN", value_parser = parse_listen, default_value = "off")]
    pub http_listen: Listen,

    /// Serve HTTPS on this address, or `off`.
    #[arg(long, env = "BERTH_HTTPS_LISTEN", value_parser = parse_listen, default_value = "0.0.0.0:9443")]
    pub https_listen: Listen,

    /// PEM certificate for HTTPS (default: a self-signed one kept in the data dir).
    #[arg(long, env = "BERTH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "BERTH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// On first start, create the user `admin` with the password in this file.
    #[arg(long, env = "BERTH_ADMIN_PASSWORD_FILE")]
    pub admin_password_file: Option<PathBuf>,

    /// Database URL (default: SQLite in the data dir).
    #[arg(long, env = "BERTH_DATABASE_URL")]
    pub database_url: Option<String>,

    /// The local Docker Engine, offered as the first environment (default: $DOCKER_HOST, else the standard socket).
    #[arg(long, env = "BERTH_LOCAL_ENGINE")]
    pub local_engine: Option<String>,

    /// Log filter: a level (error, warn, info, debug, trace) or tracing directives.
    #[arg(long, env = "BERTH_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    #[arg(long, env = "BERTH_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Shortest password accepted.
    #[arg(long, env = "BERTH_PASSWORD_MIN_LENGTH", default_value_t = 12,
          value_parser = clap::value_parser!(u16).range(8..=256))]
    pub password_min_length: u16,

    /// How long a sign-in lasts, in hours.
    #[arg(long, env = "BERTH_SESSION_HOURS", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub session_hours: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "BERTH_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub login_attempts_per_minute: u32,

    /// Failed sign-ins allowed per username per minute.
    #[arg(long, env = "BERTH_LOGIN_FAILURES_PER_USERNAME", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub login_failures_per_username: u32,

    /// Proxies (addresses or CIDR networks) whose X-Forwarded-For is trusted; repeat or separate with commas.
    #[arg(long, env = "BERTH_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxy: Vec<String>,

    /// Seconds between environment health checks.
    #[arg(long, env = "BERTH_ENVIRONMENT_CHECK_INTERVAL", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub environment_check_interval: u64,

    /// Changes a change-feed subscriber may fall behind by before it is told to resync.
    #[arg(long, env = "BERTH_FEED_CAPACITY", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub feed_capacity: u32,

    /// Seconds in-flight requests may run on after SIGTERM/SIGINT.
    #[arg(long, env = "BERTH_SHUTDOWN_GRACE", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=600))]
    pub shutdown_grace: u64,
}
