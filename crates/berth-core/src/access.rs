//! Authorisation in one place: who is asking (`Principal`), what they want to do (`Action`), and the single
//! `authorize` that decides. Handlers never check roles or grants themselves.

use berth_model::{EnvironmentId, Role, User};
use berth_store::Store;

use crate::CoreError;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialKind {
    /// A session token; its hash identifies the session to end on sign-out.
    Session {
        token_hash: String,
    },
    ApiKey,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub credential: CredentialKind,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

/// Everything a caller may ask to do that needs a decision.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Create, change and delete users and their grants.
    ManageUsers,
    /// Create, change and delete environments.
    ManageEnvironments,
    /// See the server's internal counters.
    ViewDiagnostics,
    /// See an environment, its status and its resources (lists, inspect, logs, stats, the change feed).
    ViewEnvironment(EnvironmentId),
    /// Start, stop, remove or rename containers in an environment.
    OperateContainers(EnvironmentId),
    /// Send a Docker Engine API request through the gateway.
    UseGateway {
        environment_id: EnvironmentId,
        method: &'a str,
        /// The engine path, with or without the `/v1.xx` prefix.
        path: &'a str,
    },
}

/// What the gateway table says a Docker Engine API request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayPolicy {
    /// Anyone granted the environment.
    Granted,
    /// Engine-wide administration: swarm membership, nodes, plugins. Admins only.
    AdminOnly,
}

/// The gateway's table of routes and policies, most specific first. A request matches a row when its
/// method is the row's (or the row says `*`) and its unversioned path starts with the row's prefix.
const GATEWAY_POLICIES: &[(&str, &str, GatewayPolicy)] = &[
    ("POST", "/swarm", GatewayPolicy::AdminOnly),
    ("POST", "/nodes/", GatewayPolicy::AdminOnly),
    ("DELETE", "/nodes/", GatewayPolicy::AdminOnly),
    ("POST", "/plugins", GatewayPolicy::AdminOnly),
    ("DELETE", "/plugins/", GatewayPolicy::AdminOnly),
    ("*", "/", GatewayPolicy::Granted),
];

/// Looks up the policy for one Engine API request.
pub fn gateway_policy(method: &str, path: &str) -> GatewayPolicy {
    let path = strip_api_version(path);
    GATEWAY_POLICIES
        .iter()
        .find(|(row_method, prefix, _)| {
            (*row_method == "*" || row_method.eq_ignore_ascii_case(method))
                && path.starts_with(prefix)
        })
        .map(|(_, _, policy)| *policy)
        .unwrap_or(GatewayPolicy::AdminOnly)
}

/// `/v1.41/containers/json` → `/containers/json`; unversioned paths are returned as they are.
fn strip_api_version(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/v") else {
        return path;
    };
    let version_end = rest.find('/').unwrap_or(rest.len());
    let version = &rest[..version_end];
    let is_version = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit() || c == '.')
        && version.contains('.');
    if is_version {
        &rest[version_end..]
    } else {
        path
    }
}

/// The one authorisation check.
#[derive(Clone)]
pub struct Access {
    store: Store,
}

impl Access {
    pub fn new(store: Store) -> Self {
        Access { store }
    }

    /// Allows or refuses `action` for `principal`. Environments a standard user was not granted are
    /// reported as not found, so their existence is not revealed.
    pub async fn authorize(
        &self,
        principal: &Principal,
        action: Action<'_>,
    ) -> Result<(), CoreError> {
        if principal.is_admin() {
            return Ok(());
        }
        match action {
            Action::ManageUsers | Action::ManageEnvironments | Action::ViewDiagnostics => Err(
                CoreError::Forbidden("only administrators can do this".into()),
            ),
            Action::ViewEnvironment(environment_id) | Action::OperateContainers(environment_id) => {
                self.require_grant(principal, environment_id).await
            }
            Action::UseGateway {
                environment_id,
                method,
                path,
            } => {
                self.require_grant(principal, environment_id).await?;
                match gateway_policy(method, path) {
                    GatewayPolicy::Granted => Ok(()),
                    GatewayPolicy::AdminOnly => Err(CoreError::Forbidden(format!(
                        "{method} {} administers the whole engine; only administrators can do it",
                        strip_api_version(path)
                    ))),
                }
            }
        }
    }

    async fn require_grant(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
    ) -> Result<(), CoreError> {
        if self
            .store
            .is_granted(principal.user.id, environment_id)
            .await?
        {
            Ok(())
        } else {
            Err(CoreError::NotFound("environment"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: &str, path: &str, expected: GatewayPolicy) {
        assert_eq!(gateway_policy(method, path), expected, "{method} {path}");
    }

    #[test]
    fn gateway_table() {
        check("GET", "/v1.41/containers/json", GatewayPolicy::Granted);
        check("POST", "/containers/create", GatewayPolicy::Granted);
        check("POST", "/v1.41/exec/abc/start", GatewayPolicy::Granted);
        check("GET", "/_ping", GatewayPolicy::Granted);
        check("GET", "/v1.41/swarm", GatewayPolicy::Granted);
        check("POST", "/v1.41/swarm/init", GatewayPolicy::AdminOnly);
        check("post", "/swarm/leave", GatewayPolicy::AdminOnly);
        check("DELETE", "/v1.24/nodes/n1", GatewayPolicy::AdminOnly);
        check("POST", "/plugins/pull", GatewayPolicy::AdminOnly);
        check("GET", "/plugins", GatewayPolicy::Granted);
        check("GET", "/version", GatewayPolicy::Granted);
    }

    #[test]
    fn version_prefixes() {
        assert_eq!(strip_api_version("/v1.41/info"), "/info");
        assert_eq!(strip_api_version("/volumes"), "/volumes");
        assert_eq!(strip_api_version("/v1.41"), "");
        assert_eq!(strip_api_version("/version"), "/version");
    }
}
