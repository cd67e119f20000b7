//! Environments: the local engine found on first start, TCP and TLS engines, health checks that mark an
//! engine down within seconds without slowing anyone else, grants, and validation.

use std::time::{Duration, Instant};

use berth_testkit::{BerthServer, EngineProxy, ServerOptions, free_port, require_engine};
use serde_json::{Value, json};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

async fn fast_checks() -> BerthServer {
    BerthServer::start_with(
        BERTH,
        ServerOptions {
            extra_args: vec!["--environment-check-interval".into(), "1".into()],
            ..Default::default()
        },
    )
    .await
}

/// Polls environment `id` until its health is `health`, returning it; fails after `within`.
async fn wait_for_health(
    server: &BerthServer,
    token: &str,
    id: i64,
    health: &str,
    within: Duration,
) -> Value {
    let path = format!("/api/environments/{id}");
    server
        .eventually(token, &path, within, |body| {
            body["status"]["health"] == health
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_engine_becomes_the_first_environment_once() {
    require_engine();
    let mut server = fast_checks().await;
    let token = server.admin_token().await;
    let (_, list) = server.call("GET", "/api/environments", &token, None).await;
    assert_eq!(list["total"], 1, "{list}");
    let local = &list["items"][0];
    assert_eq!(
        (local["name"].as_str(), local["kind"].as_str()),
        (Some("local"), Some("docker_socket"))
    );
    let up = wait_for_health(
        &server,
        &token,
        local["id"].as_i64().unwrap(),
        "up",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(up["status"]["api_version"], "1.41");
    assert!(
        up["status"]["engine_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );

    // Deleted by an admin, it stays deleted across restarts.
    assert_eq!(
        server
            .call("DELETE", "/api/environments/1", &token, None)
            .await
            .0,
        204
    );
    server.stop_with("TERM");
    server.spawn().await.unwrap();
    let (_, list) = server.call("GET", "/api/environments", &token, None).await;
    assert_eq!(list["total"], 0, "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tcp_engine_goes_down_within_seconds_without_slowing_others_and_comes_back() {
    require_engine();
    let server = fast_checks().await;
    let token = server.admin_token().await;
    let proxy = EngineProxy::tcp(0).await;
    let port = proxy.port;
    let (status, created) = server
        .call(
            "POST",
            "/api/environments",
            &token,
            Some(json!({"name": "remote", "url": proxy.url()})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    wait_for_health(&server, &token, id, "up", Duration::from_secs(10)).await;

    // The gateway reaches it over TCP.
    let ping = server
        .client
        .get(server.url(&format!("/api/environments/{id}/docker/_ping")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    assert_eq!(ping.text().await.unwrap(), "OK");

    drop(proxy);
    let down = wait_for_health(&server, &token, id, "down", Duration::from_secs(5)).await;
    assert!(
        down["status"]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{down}"
    );
    assert!(
        down["status"]["engine_version"].as_str().is_some(),
        "what was known stays visible: {down}"
    );
    let started = Instant::now();
    let (status, list) = server.call("GET", "/api/environments", &token, None).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "listing took {:?} with one engine down",
        started.elapsed()
    );
    assert_eq!(list["total"], 2);
    let local_ping = server
        .client
        .get(server.url("/api/environments/1/docker/_ping"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(local_ping.status(), 200, "the other engine is unaffected");
    let unreachable = server
        .client
        .get(server.url(&format!("/api/environments/{id}/docker/_ping")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(unreachable.status(), 502);
    let body: Value = unreachable.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");

    let _back = EngineProxy::tcp(port).await;
    wait_for_health(&server, &token, id, "up", Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_engine_with_client_certificates_works_and_the_key_never_leaves() {
    require_engine();
    let server = fast_checks().await;
    let token = server.admin_token().await;
    let (proxy, tls) = EngineProxy::tls().await;

    // Without the client certificate the engine refuses the handshake.
    let (status, no_client_cert) = server
        .call(
            "POST",
            "/api/environments",
            &token,
            Some(json!({
                "name": "tls-no-cert", "url": proxy.url(), "tls": {"ca": tls.ca_pem}
            })),
        )
        .await;
    assert_eq!(status, 201);
    let down = wait_for_health(
        &server,
        &token,
        no_client_cert["id"].as_i64().unwrap(),
        "down",
        Duration::from_secs(10),
    )
    .await;
    let last_error = down["status"]["last_error"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(last_error.contains("certificate"), "{down}");

    let (status, created) = server
        .call(
            "POST",
            "/api/environments",
            &token,
            Some(json!({
                "name": "tls", "url": proxy.url(),
                "tls": {"ca": tls.ca_pem, "cert": tls.client_cert_pem, "key": tls.client_key_pem}
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["tls"]["has_client_key"], true);
    assert!(
        !created.to_string().contains("PRIVATE KEY"),
        "the key is never returned"
    );
    let id = created["id"].as_i64().unwrap();
    wait_for_health(&server, &token, id, "up", Duration::from_secs(10)).await;
    let version = server
        .client
        .get(server.url(&format!("/api/environments/{id}/docker/version")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(version.status(), 200);

    // The key is sealed at rest: the database file does not contain it.
    let database = std::fs::read(server.data_dir().join("berth.db")).unwrap();
    let wal = std::fs::read(server.data_dir().join("berth.db-wal")).unwrap_or_default();
    let key_line = tls.client_key_pem.lines().nth(1).unwrap();
    for bytes in [&database, &wal] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(key_line),
            "the client key is stored in clear"
        );
    }

    // Turning TLS off with null is a real change: now plain HTTP hits a TLS port and fails.
    let (status, updated) = server
        .call(
            "PATCH",
            &format!("/api/environments/{id}"),
            &token,
            Some(json!({"tls": null})),
        )
        .await;
    assert_eq!((status, updated["tls"].is_null()), (200, true), "{updated}");
    wait_for_health(&server, &token, id, "down", Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_input_is_validated() {
    let server = fast_checks().await;
    let token = server.admin_token().await;
    let create = |body: Value| server.call("POST", "/api/environments", &token, Some(body));
    let port = free_port();
    let cases = [
        (
            json!({"name": "x", "url": "http://host:2375"}),
            422,
            Some("url"),
        ),
        (json!({"name": "x", "url": "tcp://host"}), 422, Some("url")),
        (
            json!({"name": "", "url": format!("tcp://127.0.0.1:{port}")}),
            422,
            Some("name"),
        ),
        (
            json!({"name": "x", "url": format!("tcp://127.0.0.1:{port}"), "tls": {"cert": "c"}}),
            422,
            Some("tls"),
        ),
        (
            json!({"name": "x", "url": format!("tcp://127.0.0.1:{port}"), "tls": {}}),
            422,
            Some("tls.ca"),
        ),
        (
            json!({"name": "x", "url": format!("tcp://127.0.0.1:{port}"), "tls": {"ca": "not pem"}}),
            422,
            Some("tls"),
        ),
        (
            json!({"name": "x", "url": "unix:///var/run/docker.sock", "tls": {"skip_verify": true}}),
            422,
            Some("tls"),
        ),
        (
            json!({"name": "x", "url": format!("tcp://127.0.0.1:{port}"), "extra": 1}),
            422,
            None,
        ),
    ];
    for (body, expected_status, field) in cases {
        let (status, response) = create(body.clone()).await;
        assert_eq!(status, expected_status, "{body}: {response}");
        assert_eq!(
            response["error"]["field"].as_str(),
            field,
            "{body}: {response}"
        );
    }
    let (status, _) =
        create(json!({"name": "dup", "url": format!("tcp://127.0.0.1:{port}")})).await;
    assert_eq!(status, 201);
    let (status, body) =
        create(json!({"name": "dup", "url": format!("tcp://127.0.0.1:{port}")})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (_, list) = server.call("GET", "/api/environments", &token, None).await;
    let names: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names.iter().filter(|n| *n == "dup").count(),
        1,
        "rejected requests created nothing: {names:?}"
    );
    assert!(!names.contains(&"x".to_string()));

    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "dup")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = server
        .call(
            "PATCH",
            &format!("/api/environments/{id}"),
            &token,
            Some(json!({"url": "ftp://nope"})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, renamed) = server
        .call(
            "PATCH",
            &format!("/api/environments/{id}"),
            &token,
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("renamed")));
    assert_eq!(
        server
            .call(
                "PATCH",
                "/api/environments/9999",
                &token,
                Some(json!({"name": "z"}))
            )
            .await
            .0,
        404
    );
    assert_eq!(
        server
            .call("DELETE", &format!("/api/environments/{id}"), &token, None)
            .await
            .0,
        204
    );
    assert_eq!(
        server
            .call("DELETE", &format!("/api/environments/{id}"), &token, None)
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_users_see_only_granted_environments() {
    let server = fast_checks().await;
    let admin = server.admin_token().await;
    let port = free_port();
    let (_, granted) = server
        .call(
            "POST",
            "/api/environments",
            &admin,
            Some(json!({"name": "granted", "url": format!("tcp://127.0.0.1:{port}")})),
        )
        .await;
    let (_, hidden) = server
        .call(
            "POST",
            "/api/environments",
            &admin,
            Some(json!({"name": "hidden", "url": format!("tcp://127.0.0.1:{}", port + 1)})),
        )
        .await;
    let granted_id = granted["id"].as_i64().unwrap();
    let hidden_id = hidden["id"].as_i64().unwrap();
    server
        .create_user(&admin, "sam", "standard", &[granted_id])
        .await;
    let sam = server.login("sam", berth_testkit::ADMIN_PASSWORD).await;

    let (_, list) = server.call("GET", "/api/environments", &sam, None).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], granted_id);
    assert_eq!(
        server
            .call(
                "GET",
                &format!("/api/environments/{granted_id}"),
                &sam,
                None
            )
            .await
            .0,
        200
    );
    assert_eq!(
        server
            .call("GET", &format!("/api/environments/{hidden_id}"), &sam, None)
            .await
            .0,
        404
    );
    let (status, body) = server
        .call(
            "POST",
            "/api/environments",
            &sam,
            Some(json!({"name": "mine", "url": "tcp://127.0.0.1:1"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(
        server
            .call(
                "PATCH",
                &format!("/api/environments/{granted_id}"),
                &sam,
                Some(json!({"name": "x"}))
            )
            .await
            .0,
        403
    );
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("/api/environments/{granted_id}"),
                &sam,
                None
            )
            .await
            .0,
        403
    );

    // Deleting an environment removes its grants.
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("/api/environments/{granted_id}"),
                &admin,
                None
            )
            .await
            .0,
        204
    );
    let (_, me) = server.call("GET", "/api/users/me", &sam, None).await;
    assert_eq!(me["environment_ids"], json!([]));
}
