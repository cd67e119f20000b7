//! Turns the command line into checked configuration: the data directory exists and is writable, files are
//! read, addresses make sense. Every problem here is the operator's to fix and ends in a one-line error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use berth_core::{AccountSettings, CoreConfig, LoginLimits};
use berth_model::EngineAddress;
use berth_server::{ListenConfig, TlsSource, TrustedProxies};

use crate::cli::{Listen, ServerArgs};

/// Everything `berth server` needs, checked.
pub struct ServerConfig {
    pub core: CoreConfig,
    pub listen: ListenConfig,
    pub trusted_proxies: TrustedProxies,
    /// The database URL with any password hidden, for the log.
    pub database_display: String,
}

pub fn resolve(args: &ServerArgs) -> Result<ServerConfig, String> {
    let data_dir = prepare_data_dir(&args.data_dir)?;
    let database_url = match &args.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}?mode=rwc", data_dir.join("berth.db").display()),
    };
    if !database_url.starts_with("sqlite:") {
        return Err(format!(
            "--database-url {}: only sqlite:// URLs are supported in this version",
            berth_core::redact_database_url(&database_url)
        ));
    }
    let initial_admin_password = args
        .admin_password_file
        .as_deref()
        .map(read_password_file)
        .transpose()?;
    if let Some(password) = &initial_admin_password
        && password.chars().count() < usize::from(args.password_min_length)
    {
        return Err(format!(
            "--admin-password-file: the password must be at least {} characters",
            args.password_min_length
        ));
    }
    let local_engine = local_engine(args.local_engine.as_deref())?;
    let https = match args.https_listen {
        Listen::Off => None,
        Listen::On(address) => {
            let source = match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => TlsSource::Files {
                    cert: cert.clone(),
                    key: key.clone(),
                },
                _ => TlsSource::SelfSigned {
                    dir: data_dir.join("tls"),
                },
            };
            Some((address, source))
        }
    };
    let http = match args.http_listen {
        Listen::Off => None,
        Listen::On(address) => Some(address),
    };
    if http.is_none() && https.is_none() {
        return Err("both listeners are off: give --http-listen or --https-listen".into());
    }
    let trusted_proxies = TrustedProxies::parse(&args.trusted_proxy)
        .map_err(|error| format!("--trusted-proxy: {error}"))?;
    Ok(ServerConfig {
        database_display: berth_core::redact_database_url(&database_url),
        core: CoreConfig {
            data_dir,
            database_url,
            accounts: AccountSettings {
                password_min_length: usize::from(args.password_min_length),
                session_lifetime: Duration::from_secs(u64::from(args.session_hours) * 3600),
                login_limits: LoginLimits {
                    per_client: args.login_attempts_per_minute,
                    failures_per_username: args.login_failures_per_username,
                    window: Duration::from_secs(60),
                },
            },
            initial_admin_password,
            local_engine,
            environment_check_interval: Duration::from_secs(args.environment_check_interval),
            feed_capacity: args.feed_capacity as usize,
        },
        listen: ListenConfig {
            http,
            https,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        },
        trusted_proxies,
    })
}

/// Creates the data directory if needed (owner-only), and proves it is writable.
fn prepare_data_dir(path: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let fail = |error: std::io::Error| format!("data dir {}: {error}", path.display());
    if !path.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(fail)?;
    }
    if !path.is_dir() {
        return Err(format!("data dir {}: not a directory", path.display()));
    }
    let probe = path.join(".berth-write-check");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)?;
    path.canonicalize().map_err(fail)
}

fn read_password_file(path: &Path) -> Result<String, String> {
    let contents = std::fs::read_to_string(path)
        .map_err(|error| format!("--admin-password-file {}: {error}", path.display()))?;
    let password = contents.strip_suffix('\n').unwrap_or(&contents);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(format!(
            "--admin-password-file {}: the file is empty",
            path.display()
        ));
    }
    Ok(password.to_string())
}

/// The local engine: the flag, else `$DOCKER_HOST`, else the standard socket if it exists.
fn local_engine(flag: Option<&str>) -> Result<Option<EngineAddress>, String> {
    let from_environment = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|value| !value.is_empty());
    match flag.map(str::to_string).or(from_environment) {
        Some(url) => EngineAddress::parse(&url)
            .map(Some)
            .map_err(|error| format!("local engine {url:?}: {error}")),
        None => Ok(Path::new("/var/run/docker.sock")
            .exists()
            .then(|| EngineAddress::UnixSocket {
                path: "/var/run/docker.sock".into(),
            })),
    }
}
