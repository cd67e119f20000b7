//! The Docker Engine API gateway: forwards one client request to an engine over a fresh connection,
//! streaming bodies both ways, and bridges hijacked connections (`Upgrade: tcp`, used by attach and
//! exec) byte for byte once both sides have switched protocols.

use std::error::Error as StdError;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use hyper::body::{Body, Incoming};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

use crate::{DockerError, EngineEndpoint};

/// The engine's response body, streamed as it arrives.
pub type GatewayBody = Incoming;

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus Berth's own credentials,
/// which must never reach the engine.
const NOT_FORWARDED: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "x-api-key",
    "cookie",
];

/// Forwards `request` to the engine at `endpoint` as `path_and_query` (e.g. `/v1.41/containers/json?all=1`).
///
/// If the client asked to upgrade and the engine agrees (101), the two connections are spliced together
/// in a background task once the caller has returned the 101 response to the client.
pub async fn forward<B>(
    endpoint: &EngineEndpoint,
    mut request: Request<B>,
    path_and_query: &str,
) -> Result<Response<GatewayBody>, DockerError>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let upgrade = requested_upgrade(request.headers());
    let client_upgrade: Option<OnUpgrade> =
        upgrade.is_some().then(|| hyper::upgrade::on(&mut request));

    let (mut parts, body) = request.into_parts();
    parts.uri = path_and_query
        .parse()
        .map_err(|_| DockerError::InvalidRequest(format!("bad path {path_and_query:?}")))?;
    parts.version = http::Version::HTTP_11;
    strip_hop_by_hop(&mut parts.headers);
    parts.headers.remove(header::AUTHORIZATION);
    parts.headers.insert(
        header::HOST,
        HeaderValue::from_str(&endpoint.host_header())
            .map_err(|_| DockerError::InvalidRequest("host".into()))?,
    );
    if let Some(protocol) = &upgrade {
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        parts.headers.insert(header::UPGRADE, protocol.clone());
    }

    let stream = endpoint.connect().await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "gateway connection to the engine ended with an error");
        }
    });
    let mut response = sender
        .send_request(Request::from_parts(parts, body))
        .await?;

    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        let Some(client_upgrade) = client_upgrade else {
            return Err(DockerError::InvalidRequest(
                "the engine switched protocols without being asked".into(),
            ));
        };
        let engine_upgrade = hyper::upgrade::on(&mut response);
        tokio::spawn(bridge(client_upgrade, engine_upgrade));
    } else {
        strip_hop_by_hop(response.headers_mut());
    }
    Ok(response)
}

/// The protocol the client asked to switch to, if it asked.
fn requested_upgrade(headers: &HeaderMap) -> Option<HeaderValue> {
    let wants_upgrade = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    wants_upgrade
        .then(|| headers.get(header::UPGRADE).cloned())
        .flatten()
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named by `Connection` are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in NOT_FORWARDED {
        headers.remove(name);
    }
}

/// Splices the client's and the engine's upgraded connections until both directions close.
async fn bridge(client: OnUpgrade, engine: OnUpgrade) {
    let (client, engine) = match tokio::try_join!(client, engine) {
        Ok(pair) => pair,
        Err(error) => {
            tracing::debug!(%error, "a hijacked connection failed to upgrade");
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut engine = TokioIo::new(engine);
    match tokio::io::copy_bidirectional(&mut client, &mut engine).await {
        Ok((to_engine, to_client)) => {
            tracing::debug!(to_engine, to_client, "hijacked connection closed");
        }
        Err(error) => tracing::debug!(%error, "hijacked connection ended with an error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_hop_by_hop_and_credentials() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "connection",
            HeaderValue::from_static("keep-alive, x-custom"),
        );
        headers.insert("x-custom", HeaderValue::from_static("1"));
        headers.insert("x-api-key", HeaderValue::from_static("secret"));
        headers.insert("cookie", HeaderValue::from_static("berth_session=abc"));
        headers.insert("x-registry-auth", HeaderValue::from_static("e30="));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        strip_hop_by_hop(&mut headers);
        let mut names: Vec<_> = headers.keys().map(|name| name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["content-type", "x-registry-auth"]);
    }

    #[test]
    fn detects_upgrade_requests() {
        let mut headers = HeaderMap::new();
        assert!(requested_upgrade(&headers).is_none());
        headers.insert("upgrade", HeaderValue::from_static("tcp"));
        assert!(requested_upgrade(&headers).is_none());
        headers.insert("connection", HeaderValue::from_static("Upgrade"));
        assert_eq!(requested_upgrade(&headers).unwrap(), "tcp");
    }
}
