//! The server's life: graceful shutdown that lets requests finish (within a bound), and a store that survives
//! being killed at any moment without losing what it confirmed.

use std::time::{Duration, Instant};

use berth_testkit::{BerthServer, ServerOptions, TEST_IMAGE, docker, require_engine, unique_name};
use serde_json::json;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_requests_in_flight_then_stops_within_the_grace() {
    require_engine();
    let mut server = BerthServer::start_with(
        BERTH,
        ServerOptions {
            extra_args: vec!["--shutdown-grace".into(), "3".into()],
            ..Default::default()
        },
    )
    .await;
    let token = server.admin_token().await;
    let name = unique_name("lifecycle");
    let created = docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        "berth.test=lifecycle",
        TEST_IMAGE,
        "sleep",
        "1",
    ])
    .unwrap();
    assert!(created.status.success());

    // A request that takes a second (waiting for the container to exit) and a stream that never ends.
    let wait = server
        .client
        .post(server.url(&format!(
            "/api/environments/1/docker/containers/{name}/wait"
        )))
        .bearer_auth(&token)
        .send();
    let events = server
        .client
        .get(server.url("/api/environments/1/docker/events"))
        .bearer_auth(&token)
        .send();
    let wait = tokio::spawn(wait);
    let events = tokio::spawn(events);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let status = server.stop_with("TERM");
        (status, server)
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = wait
        .await
        .unwrap()
        .expect("the request in flight completes");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["StatusCode"], 0);

    let (status, server) = status.await.unwrap();
    let elapsed = started.elapsed();
    assert!(status.unwrap().success(), "clean exit: {}", server.log());
    assert!(
        elapsed < Duration::from_secs(6),
        "the endless stream held shutdown for {elapsed:?}"
    );
    assert!(events.await.unwrap().is_ok(), "the stream had started");
    assert!(server.log().contains("berth server stopped"));
    let _ = docker(&["rm", "-f", &name]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_in_the_middle_of_writes_loses_nothing_confirmed() {
    let mut server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let mut confirmed = Vec::new();
    for round in 0..3 {
        // Writers create keys as fast as they can while the server is killed under them.
        let mut writers = Vec::new();
        for writer in 0..4 {
            let client = server.client.clone();
            let url = server.url("/api/users/me/api-keys");
            let token = token.clone();
            writers.push(tokio::spawn(async move {
                let mut created = Vec::new();
                for i in 0.. {
                    let name = format!("r{round}-w{writer}-{i}");
                    let response = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"name": name}))
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status() == 201 => created.push(name),
                        _ => break,
                    }
                }
                created
            }));
        }
        tokio::time::sleep(Duration::from_millis(300 + 150 * round)).await;
        server.stop_with("KILL");
        for writer in writers {
            confirmed.extend(writer.await.unwrap());
        }
        server
            .spawn()
            .await
            .expect("the server starts again on the same store");
    }
    assert!(
        confirmed.len() > 10,
        "the writers got going: {}",
        confirmed.len()
    );
    let (status, keys) = server
        .call("GET", "/api/users/me/api-keys", &token, None)
        .await;
    assert_eq!(status, 200);
    let stored: Vec<&str> = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["name"].as_str().unwrap())
        .collect();
    for name in &confirmed {
        assert!(
            stored.contains(&name.as_str()),
            "confirmed key {name} was lost"
        );
    }
    // And the store still takes writes.
    server.api_key(&token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_name_the_essentials_and_never_a_secret() {
    let server = BerthServer::start_with(
        BERTH,
        ServerOptions {
            extra_args: vec!["--log-format".into(), "json".into()],
            ..Default::default()
        },
    )
    .await;
    let token = server.admin_token().await;
    let key = server.api_key(&token).await;
    let _ = server
        .call(
            "POST",
            "/api/auth/login",
            "",
            Some(json!({"username": "admin", "password": "a wrong password"})),
        )
        .await;
    let _ = server.call("GET", "/api/environments", &key, None).await;

    let log = server.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let started = lines
        .iter()
        .find(|line| line["fields"]["message"] == "berth server started")
        .expect("a startup line");
    assert_eq!(started["fields"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        started["fields"]["listeners"]
            .as_str()
            .unwrap()
            .contains(&server.base_url)
    );
    assert!(started["fields"]["data_dir"].as_str().is_some());
    assert!(
        started["fields"]["database"]
            .as_str()
            .unwrap()
            .starts_with("sqlite://")
    );
    for secret in [
        berth_testkit::ADMIN_PASSWORD,
        &token,
        &key,
        "a wrong password",
    ] {
        assert!(!log.contains(secret), "the log contains a secret");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn https_uses_a_self_signed_certificate_kept_in_the_data_dir() {
    let port = berth_testkit::free_port();
    let server = BerthServer::start_with(
        BERTH,
        ServerOptions {
            extra_args: vec!["--https-listen".into(), format!("127.0.0.1:{port}")],
            ..Default::default()
        },
    )
    .await;
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let status: serde_json::Value = client
        .get(format!("https://127.0.0.1:{port}/api/system/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["setup_required"], false);
    let tls = server.data_dir().join("tls");
    assert!(
        std::fs::read_to_string(tls.join("cert.pem"))
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tls.join("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "the private key is readable by others: {mode:o}"
    );
    let secret_key = std::fs::metadata(server.data_dir().join("secret.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(secret_key & 0o077, 0);
    // A strict client refuses the self-signed certificate, as it should.
    assert!(
        reqwest::get(format!("https://127.0.0.1:{port}/api/system/status"))
            .await
            .is_err()
    );
}
