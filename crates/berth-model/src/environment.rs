//! Environments: the engines Berth manages, how to reach them and how they are doing.

use crate::{EnvironmentId, UnixTime, ValidationError};

/// Where an environment's engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineAddress {
    /// A Docker Engine on this machine, through its Unix socket.
    UnixSocket { path: String },
    /// A Docker Engine reached over TCP, optionally with TLS.
    Tcp { host: String, port: u16 },
}

impl EngineAddress {
    /// Parses `unix:///path/to/docker.sock` or `tcp://host:port`.
    pub fn parse(url: &str) -> Result<EngineAddress, ValidationError> {
        let invalid = |message: &str| ValidationError::new("url", message.to_string());
        if let Some(path) = url.strip_prefix("unix://") {
            if !path.starts_with('/') || path.len() < 2 {
                return Err(invalid(
                    "a unix socket URL needs an absolute path, as in unix:///var/run/docker.sock",
                ));
            }
            return Ok(EngineAddress::UnixSocket {
                path: path.to_string(),
            });
        }
        let Some(rest) = url.strip_prefix("tcp://") else {
            return Err(invalid(
                "must start with unix:// or tcp://, as in tcp://10.0.0.5:2376",
            ));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| invalid("a tcp URL needs a port, as in tcp://10.0.0.5:2376"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port: u16 = port
            .parse()
            .map_err(|_| invalid("the port must be a number from 1 to 65535"))?;
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        if !host_ok || port == 0 {
            return Err(invalid(
                "a tcp URL needs a host name or IP address and a port",
            ));
        }
        Ok(EngineAddress::Tcp {
            host: host.to_string(),
            port,
        })
    }

    pub fn kind(&self) -> EnvironmentKind {
        match self {
            EngineAddress::UnixSocket { .. } => EnvironmentKind::DockerSocket,
            EngineAddress::Tcp { .. } => EnvironmentKind::DockerTcp,
        }
    }

    /// The URL form, as stored and shown.
    pub fn to_url(&self) -> String {
        match self {
            EngineAddress::UnixSocket { path } => format!("unix://{path}"),
            EngineAddress::Tcp { host, port } if host.contains(':') => {
                format!("tcp://[{host}]:{port}")
            }
            EngineAddress::Tcp { host, port } => format!("tcp://{host}:{port}"),
        }
    }
}

/// The kinds of environment Berth manages today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvironmentKind {
    DockerSocket,
    DockerTcp,
}

/// TLS settings for a TCP engine. PEM text; the key is a secret and is stored encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsMaterial {
    /// The CA that signed the engine's certificate.
    pub ca_pem: Option<String>,
    /// Client certificate and key, for engines that require them (`--tlsverify`).
    pub cert_pem: Option<String>,
    pub key_pem: Option<String>,
    /// Accept any server certificate. For lab use only; the UI says so.
    pub skip_verify: bool,
}

impl TlsMaterial {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.cert_pem.is_some() != self.key_pem.is_some() {
            return Err(ValidationError::new(
                "tls",
                "a client certificate and its key must be given together",
            ));
        }
        if self.ca_pem.is_none() && !self.skip_verify {
            return Err(ValidationError::new(
                "tls.ca",
                "give the CA certificate that signed the engine's certificate, or set skip_verify",
            ));
        }
        Ok(())
    }
}

/// A managed environment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub id: EnvironmentId,
    pub name: String,
    pub address: EngineAddress,
    pub tls: Option<TlsMaterial>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// An environment to create.
#[derive(Debug, Clone)]
pub struct NewEnvironment {
    pub name: String,
    pub address: EngineAddress,
    pub tls: Option<TlsMaterial>,
}

/// Changes to an environment; `None` leaves a field as it is. `tls: Some(None)` removes TLS.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentUpdate {
    pub name: Option<String>,
    pub address: Option<EngineAddress>,
    pub tls: Option<Option<TlsMaterial>>,
}

/// Whether the engine answered its last check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvironmentHealth {
    /// Not checked yet.
    Unknown,
    Up,
    Down,
}

/// The latest result of the background health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentStatus {
    pub health: EnvironmentHealth,
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    pub last_checked_at: Option<UnixTime>,
    /// When `health` last changed.
    pub since: Option<UnixTime>,
    /// Why the last check failed, in words.
    pub last_error: Option<String>,
}

impl Default for EnvironmentStatus {
    fn default() -> Self {
        EnvironmentStatus {
            health: EnvironmentHealth::Unknown,
            engine_version: None,
            api_version: None,
            last_checked_at: None,
            since: None,
            last_error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, expected: Result<EngineAddress, ()>) {
        assert_eq!(EngineAddress::parse(url).map_err(|_| ()), expected, "{url}");
    }

    #[test]
    fn parses_engine_addresses() {
        check(
            "unix:///var/run/docker.sock",
            Ok(EngineAddress::UnixSocket {
                path: "/var/run/docker.sock".into(),
            }),
        );
        check(
            "tcp://10.0.0.5:2376",
            Ok(EngineAddress::Tcp {
                host: "10.0.0.5".into(),
                port: 2376,
            }),
        );
        check(
            "tcp://[::1]:2375/",
            Ok(EngineAddress::Tcp {
                host: "::1".into(),
                port: 2375,
            }),
        );
        check("tcp://host", Err(()));
        check("tcp://host:0", Err(()));
        check("tcp://host:99999", Err(()));
        check("tcp://:2375", Err(()));
        check("http://host:2375", Err(()));
        check("unix://relative.sock", Err(()));
        check("", Err(()));
    }

    #[test]
    fn url_round_trips() {
        for url in [
            "unix:///run/docker.sock",
            "tcp://engine.lan:2376",
            "tcp://[::1]:2375",
        ] {
            assert_eq!(EngineAddress::parse(url).unwrap().to_url(), url);
        }
    }

    #[test]
    fn tls_needs_a_ca_or_an_explicit_skip() {
        let mut tls = TlsMaterial::default();
        assert!(tls.validate().is_err());
        tls.skip_verify = true;
        assert!(tls.validate().is_ok());
        tls.cert_pem = Some("cert".into());
        assert!(tls.validate().is_err());
    }
}
