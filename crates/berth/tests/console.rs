//! The console WebSocket against the real engine: a shell via exec with the terminal resized, attaching to a
//! container's main process, and the refusals (not running, bad input, cross-site cookies).

use std::time::{Duration, Instant};

use berth_testkit::{BerthServer, TEST_IMAGE, docker, require_engine, unique_name};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

struct Container(String);

impl Container {
    fn run(args: &[&str]) -> Container {
        let name = unique_name("console");
        let mut all = vec![
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            "berth.test=console",
        ];
        all.extend(args);
        let output = docker(&all).unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Container(name)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(server: &BerthServer, token: &str, path: &str) -> Socket {
    let url = server.url(path).replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("console handshake");
    assert_eq!(response.status(), 101);
    socket
}

/// Reads terminal output until it contains every one of `wanted`.
async fn read_until(socket: &mut Socket, wanted: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = String::new();
    while !wanted.iter().all(|text| seen.contains(text)) {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, socket.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Some(Ok(_))) => {}
            other => panic!("console ended before {wanted:?} ({other:?}); saw {seen:?}"),
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_runs_commands_and_follows_resizes() {
    require_engine();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let container = Container::run(&[TEST_IMAGE, "sleep", "300"]);
    let mut socket = open(
        &server,
        &token,
        &format!(
            "/api/environments/1/containers/{}/console?command=sh&cols=91&rows=27",
            container.0
        ),
    )
    .await;
    socket
        .send(Message::Binary("stty size; echo marker-$((40+2))\n".into()))
        .await
        .unwrap();
    read_until(&mut socket, &["27 91", "marker-42"]).await;
    socket
        .send(Message::Text(
            r#"{"type": "resize", "cols": 120, "rows": 33}"#.into(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    socket
        .send(Message::Binary("stty size\n".into()))
        .await
        .unwrap();
    read_until(&mut socket, &["33 120"]).await;
    socket.send(Message::Binary("exit\n".into())).await.unwrap();
    // The shell's end closes the socket.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout(
            deadline.saturating_duration_since(Instant::now()),
            socket.next(),
        )
        .await
        {
            Ok(Some(Ok(Message::Close(_))) | None) => break,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_))) => break,
            Err(_) => panic!("the socket stayed open after the shell exited"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_talks_to_the_main_process() {
    require_engine();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let container = Container::run(&["-it", TEST_IMAGE, "sh"]);
    let mut socket = open(
        &server,
        &token,
        &format!(
            "/api/environments/1/containers/{}/console?mode=attach",
            container.0
        ),
    )
    .await;
    socket
        .send(Message::Binary("echo attached-$((1+1))\n".into()))
        .await
        .unwrap();
    read_until(&mut socket, &["attached-2"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn consoles_are_refused_clearly() {
    require_engine();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let stopped = unique_name("stopped");
    assert!(
        docker(&[
            "create",
            "--name",
            &stopped,
            "--label",
            "berth.test=console",
            TEST_IMAGE,
            "true"
        ])
        .unwrap()
        .status
        .success()
    );
    let _cleanup = Container(stopped.clone());
    let running = Container::run(&[TEST_IMAGE, "sleep", "300"]);
    let handshake = |path: String, headers: Vec<(&'static str, String)>| {
        let server = &server;
        async move {
            let mut request = server
                .client
                .get(server.url(&path))
                .header("connection", "upgrade")
                .header("upgrade", "websocket")
                .header("sec-websocket-version", "13")
                .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, body)
        }
    };
    let bearer = || vec![("authorization", format!("Bearer {token}"))];
    let (status, body) = handshake(
        format!("/api/environments/1/containers/{stopped}/console"),
        bearer(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (status, _) = handshake(
        "/api/environments/1/containers/no-such/console".into(),
        bearer(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = handshake(
        format!(
            "/api/environments/1/containers/{}/console?mode=telepathy",
            running.0
        ),
        bearer(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("mode"))
    );
    let (status, _) = handshake(
        format!(
            "/api/environments/1/containers/{}/console?user=bad%20user",
            running.0
        ),
        bearer(),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = handshake(
        format!("/api/environments/1/containers/{}/console", running.0),
        vec![],
    )
    .await;
    assert_eq!(status, 401);
    // A page on another site can't open a console with the user's cookie.
    let cookie = vec![
        ("cookie", format!("berth_session={token}")),
        ("origin", "https://evil.example".to_string()),
    ];
    let (status, _) = handshake(
        format!("/api/environments/1/containers/{}/console", running.0),
        cookie,
    )
    .await;
    assert_eq!(status, 403);
}
