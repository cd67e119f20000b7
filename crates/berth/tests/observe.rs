//! Watching containers: live stats shared between viewers (from the cgroup files and from the engine), and
//! logs demultiplexed, followed and downloaded.

use std::time::{Duration, Instant};

use berth_testkit::{BerthServer, EventStream, TEST_IMAGE, docker, require_engine, unique_name};
use futures_util::StreamExt;
use serde_json::Value;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

struct Container(String);

impl Container {
    fn run(args: &[&str]) -> Container {
        let name = unique_name("observe");
        let mut all = vec![
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            "berth.test=observe",
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

async fn upstreams(server: &BerthServer, token: &str) -> i64 {
    let (status, body) = server
        .call("GET", "/api/system/diagnostics", token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["stats_upstreams"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn viewers_share_one_upstream_that_closes_after_the_last_leaves() {
    require_engine();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    // A container that keeps a CPU busy and has written some memory.
    let busy = Container::run(&[TEST_IMAGE, "sh", "-c", "yes > /dev/null"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = server.url(&format!("/api/environments/1/containers/{}/stats", busy.0));
    let mut viewers = Vec::new();
    for _ in 0..5 {
        viewers.push(EventStream::open(&server.client, &url, &token).await);
    }
    assert_eq!(
        upstreams(&server, &token).await,
        1,
        "five viewers, one upstream"
    );
    let mut last = Value::Null;
    for viewer in &mut viewers {
        // The first cgroup sample has no CPU rate yet; the next ones do.
        viewer
            .next(Duration::from_secs(5))
            .await
            .expect("a first sample");
        last = viewer
            .next(Duration::from_secs(5))
            .await
            .expect("a second sample")
            .value;
    }
    assert_eq!(
        last["source"], "cgroup",
        "this machine can read the local engine's cgroups: {last}"
    );
    assert!(
        last["cpu_percent"].as_f64().unwrap() > 20.0,
        "a busy loop shows: {last}"
    );
    assert!(last["memory_usage"].as_u64().unwrap() > 0);
    assert!(last["memory_limit"].as_u64().unwrap() >= last["memory_usage"].as_u64().unwrap());
    assert!(last["pids"].as_u64().unwrap() >= 1);

    let mut engine =
        EventStream::open(&server.client, &format!("{url}?source=engine"), &token).await;
    let sample = engine
        .next(Duration::from_secs(10))
        .await
        .expect("an engine sample")
        .value;
    assert_eq!(sample["source"], "engine");
    let sample = engine
        .next(Duration::from_secs(10))
        .await
        .expect("a second engine sample")
        .value;
    assert!(sample["cpu_percent"].as_f64().unwrap() > 20.0, "{sample}");
    assert_eq!(upstreams(&server, &token).await, 2);

    drop(viewers);
    drop(engine);
    let deadline = Instant::now() + Duration::from_secs(8);
    while upstreams(&server, &token).await > 0 {
        assert!(
            Instant::now() < deadline,
            "upstream streams still open after their viewers left"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = server
        .call(
            "GET",
            "/api/environments/1/containers/no-such/stats",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .call(
            "GET",
            &format!(
                "/api/environments/1/containers/{}/stats?source=magic",
                busy.0
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 422);
}

async fn ndjson(server: &BerthServer, token: &str, path: &str) -> Vec<Value> {
    let response = server
        .client
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    response
        .text()
        .await
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn text(chunks: &[Value], stream: &str) -> String {
    chunks
        .iter()
        .filter(|c| c["stream"] == stream)
        .map(|c| c["text"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_are_demultiplexed_tailed_followed_and_downloaded() {
    require_engine();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let logger = Container::run(&[
        TEST_IMAGE,
        "sh",
        "-c",
        "for i in 1 2 3; do echo out-$i; sleep 0.05; echo err-$i >&2; sleep 0.05; done; sleep 300",
    ]);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let base = format!("/api/environments/1/containers/{}/logs", logger.0);

    let all = ndjson(&server, &token, &base).await;
    assert_eq!(text(&all, "stdout"), "out-1\nout-2\nout-3\n");
    assert_eq!(text(&all, "stderr"), "err-1\nerr-2\nerr-3\n");
    let only_err = ndjson(&server, &token, &format!("{base}?stdout=false")).await;
    assert_eq!(text(&only_err, "stdout"), "");
    let tail = ndjson(&server, &token, &format!("{base}?tail=2")).await;
    assert_eq!(
        (text(&tail, "stdout"), text(&tail, "stderr")),
        ("out-3\n".to_string(), "err-3\n".to_string()),
        "{tail:?}"
    );
    let stamped = ndjson(
        &server,
        &token,
        &format!("{base}?timestamps=true&stderr=false"),
    )
    .await;
    assert!(text(&stamped, "stdout").starts_with("20"), "{stamped:?}");
    let future = ndjson(&server, &token, &format!("{base}?since=4102444800")).await;
    assert!(future.is_empty());

    let download = server
        .client
        .get(server.url(&format!("{base}?download=true&stderr=false")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(download.text().await.unwrap(), "out-1\nout-2\nout-3\n");

    let (status, body) = server
        .call(
            "GET",
            &format!("{base}?stdout=false&stderr=false"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("stdout"))
    );
    assert_eq!(
        server
            .call(
                "GET",
                "/api/environments/1/containers/no-such/logs",
                &token,
                None
            )
            .await
            .0,
        404
    );

    // Following: lines written after the request started arrive on the open stream.
    let ticker = Container::run(&[
        TEST_IMAGE,
        "sh",
        "-c",
        "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done",
    ]);
    let response = server
        .client
        .get(server.url(&format!(
            "/api/environments/1/containers/{}/logs?follow=true&tail=0",
            ticker.0
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let mut followed = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while followed.matches("tick-").count() < 5 && Instant::now() < deadline {
        if let Ok(Some(Ok(chunk))) = tokio::time::timeout(Duration::from_secs(2), body.next()).await
        {
            followed.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(
        followed.matches("tick-").count() >= 5,
        "followed: {followed}"
    );

    // A TTY container has one console stream.
    let tty = Container::run(&["-t", TEST_IMAGE, "sh", "-c", "echo on-a-tty; sleep 300"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let console = ndjson(
        &server,
        &token,
        &format!("/api/environments/1/containers/{}/logs", tty.0),
    )
    .await;
    assert!(
        text(&console, "console").contains("on-a-tty"),
        "{console:?}"
    );
}
