//! Live state through the real binary and the real engine: the mirror converging on changes made outside
//! Berth, dropped event streams, environments going down and coming back, paged lists, actions that answer
//! once the mirror shows them, and a change feed filtered to what each user may see.

use std::time::{Duration, Instant};

use berth_testkit::{
    BerthServer, EngineProxy, EventStream, ServerOptions, TEST_IMAGE, docker, require_engine,
    unique_name,
};
use serde_json::{Value, json};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

/// Containers labelled for one test, removed from the engine when dropped.
struct Labelled(String);

impl Labelled {
    fn new() -> Labelled {
        Labelled(unique_name("berth.live"))
    }

    /// Creates a container straight on the engine (outside Berth); returns its id.
    fn create(&self, name: &str, command: &[&str], start: bool) -> String {
        let label = format!("--label={}", self.0);
        let mut args = vec![if start { "run" } else { "create" }];
        if start {
            args.push("-d");
        }
        args.extend(["--name", name, &label, TEST_IMAGE]);
        args.extend(command);
        let output = docker(&args).unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Drop for Labelled {
    fn drop(&mut self) {
        berth_testkit::remove_labelled_containers(&self.0);
    }
}

async fn start() -> (BerthServer, String) {
    require_engine();
    let server = BerthServer::start_with(
        BERTH,
        ServerOptions {
            extra_args: vec!["--environment-check-interval".into(), "1".into()],
            ..Default::default()
        },
    )
    .await;
    let token = server.admin_token().await;
    (server, token)
}

fn names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mirror_converges_on_changes_made_outside_berth() {
    let (server, token) = start().await;
    let labelled = Labelled::new();
    let path = format!("/api/environments/1/containers?label={}", labelled.0);
    let a = unique_name("a");
    let b = unique_name("b");
    labelled.create(&a, &["sleep", "300"], true);
    labelled.create(&b, &["true"], false);
    let body = server
        .eventually(&token, &path, Duration::from_secs(3), |body| {
            body["total"] == 2
        })
        .await;
    let running: Vec<_> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "running")
        .collect();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0]["name"], a.as_str());
    assert_eq!(running[0]["environment_id"], 1);

    assert!(docker(&["rm", "-f", &a]).unwrap().status.success());
    let body = server
        .eventually(&token, &path, Duration::from_secs(3), |body| {
            body["total"] == 1
        })
        .await;
    assert_eq!(names(&body), vec![b.clone()]);
    assert!(
        docker(&["rename", &b, &format!("{b}-renamed")])
            .unwrap()
            .status
            .success()
    );
    server
        .eventually(&token, &path, Duration::from_secs(3), |body| {
            names(body) == vec![format!("{b}-renamed")]
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_filter_sort_and_page_from_the_mirror() {
    let (server, token) = start().await;
    let labelled = Labelled::new();
    for i in 0..7 {
        labelled.create(
            &format!("{}-{i}", labelled.0.replace('.', "-")),
            &["true"],
            false,
        );
    }
    let base = format!("/api/environments/1/containers?label={}", labelled.0);
    server
        .eventually(&token, &base, Duration::from_secs(5), |body| {
            body["total"] == 7
        })
        .await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("{base}&limit=3&order=desc&cursor={cursor}"),
            None => format!("{base}&limit=3&order=desc"),
        };
        let (status, page) = server.call("GET", &path, &token, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 7);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let mut expected = seen.clone();
    expected.sort();
    expected.reverse();
    assert_eq!(
        seen, expected,
        "every container once, in descending name order"
    );

    let (_, fleet) = server
        .call(
            "GET",
            &format!(
                "/api/containers?label={}&state=created&limit=2&offset=6",
                labelled.0
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (
            fleet["total"].as_i64(),
            fleet["items"].as_array().unwrap().len()
        ),
        (Some(7), 1)
    );
    let (_, none) = server
        .call(
            "GET",
            &format!("/api/containers?label={}&state=running", labelled.0),
            &token,
            None,
        )
        .await;
    assert_eq!(none["total"], 0);
    let third = format!("{}-3", labelled.0.replace('.', "-"));
    let (_, searched) = server
        .call(
            "GET",
            &format!("{base}&search={}", third.to_uppercase()),
            &token,
            None,
        )
        .await;
    assert_eq!(searched["total"], 1);

    for (query, status, field) in [
        ("limit=0", 422, Some("limit")),
        ("limit=1001", 422, Some("limit")),
        ("sort=size", 422, Some("sort")),
        ("order=up", 422, Some("order")),
        ("state=sleeping", 422, Some("state")),
        ("cursor=nonsense", 422, Some("cursor")),
        ("limit=abc", 400, None),
    ] {
        let (got, body) = server
            .call(
                "GET",
                &format!("/api/environments/1/containers?{query}"),
                &token,
                None,
            )
            .await;
        assert_eq!(
            (got, body["error"]["field"].as_str()),
            (status, field),
            "{query}: {body}"
        );
    }
    assert_eq!(
        server
            .call("GET", "/api/environments/99/containers", &token, None)
            .await
            .0,
        404
    );
    let (_, images) = server
        .call(
            "GET",
            "/api/environments/1/images?search=berth-test",
            &token,
            None,
        )
        .await;
    assert!(images["total"].as_i64().unwrap() >= 1, "{images}");
    let (_, networks) = server
        .call("GET", "/api/environments/1/networks", &token, None)
        .await;
    assert!(
        networks["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["name"] == "none"),
        "{networks}"
    );
    let (status, _) = server
        .call("GET", "/api/environments/1/volumes", &token, None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn actions_answer_once_the_mirror_shows_them() {
    let (server, token) = start().await;
    let labelled = Labelled::new();
    let name = unique_name("act");
    labelled.create(&name, &["sleep", "300"], false);
    let act = |action: &'static str| {
        let path = format!("/api/environments/1/containers/{name}/{action}");
        let (server, token) = (&server, &token);
        async move { server.call("POST", &path, token, None).await }
    };

    let (status, body) = act("start").await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("running")),
        "{body}"
    );
    let (_, listed) = server
        .call(
            "GET",
            &format!("/api/environments/1/containers?search={name}"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        listed["items"][0]["state"], "running",
        "the list already agrees"
    );
    assert_eq!(act("pause").await.1["state"], "paused");
    assert_eq!(act("unpause").await.1["state"], "running");
    let (_, restarted) = server
        .call(
            "POST",
            &format!("/api/environments/1/containers/{name}/restart?timeout=0"),
            &token,
            None,
        )
        .await;
    assert_eq!(restarted["state"], "running");
    assert_eq!(
        act("start").await.0,
        200,
        "starting a running container is not an error"
    );
    let (_, killed) = server
        .call(
            "POST",
            &format!("/api/environments/1/containers/{name}/kill?signal=SIGKILL"),
            &token,
            None,
        )
        .await;
    assert_eq!(killed["state"], "exited");

    let renamed = format!("{name}-2");
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/environments/1/containers/{name}/rename"),
            &token,
            Some(json!({"name": renamed})),
        )
        .await;
    assert_eq!(
        (status, body["name"].as_str()),
        (200, Some(renamed.as_str()))
    );
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/environments/1/containers/{renamed}/rename"),
            &token,
            Some(json!({"name": "bad name!"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("name"))
    );
    let other = unique_name("other");
    labelled.create(&other, &["true"], false);
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/environments/1/containers/{renamed}/rename"),
            &token,
            Some(json!({"name": other})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );

    let (status, inspect) = server
        .call(
            "GET",
            &format!("/api/environments/1/containers/{renamed}"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, inspect["Name"].as_str()),
        (200, Some(format!("/{renamed}").as_str()))
    );
    assert_eq!(
        server
            .call(
                "POST",
                "/api/environments/1/containers/no-such-container/start",
                &token,
                None
            )
            .await
            .0,
        404
    );
    assert_eq!(
        server
            .call(
                "POST",
                &format!("/api/environments/1/containers/{renamed}/explode"),
                &token,
                None
            )
            .await
            .0,
        400
    );
    assert_eq!(
        server
            .call(
                "POST",
                &format!("/api/environments/1/containers/{renamed}/stop?timeout=-5"),
                &token,
                None
            )
            .await
            .0,
        422
    );

    let (status, _) = server
        .call(
            "DELETE",
            &format!("/api/environments/1/containers/{renamed}?force=true"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, listed) = server
        .call(
            "GET",
            &format!("/api/environments/1/containers?search={renamed}"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        listed["total"], 0,
        "gone from the mirror when the call returns"
    );
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("/api/environments/1/containers/{renamed}"),
                &token,
                None
            )
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_announces_engine_events_within_250_ms() {
    let (server, token) = start().await;
    let labelled = Labelled::new();
    let mut feed = EventStream::open(
        &server.client,
        &server.url("/api/events?environment_id=1"),
        &token,
    )
    .await;
    feed.wait_for(Duration::from_secs(5), |event| event["type"] == "ready")
        .await;
    let name = unique_name("feed");
    let id = labelled.create(&name, &["sleep", "300"], true);
    let (created, _) = feed
        .wait_for(Duration::from_secs(5), |event| {
            event["type"] == "container_created" && event["container"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(created.value["environment_id"], 1);
    let (running, _) = feed
        .wait_for(Duration::from_secs(5), |event| {
            event["container"]["id"] == id.as_str() && event["container"]["state"] == "running"
        })
        .await;
    let latency_ms =
        (running.at_unix_nanos - running.value["engine_time_nanos"].as_i64().unwrap()) as f64 / 1e6;
    assert!(
        latency_ms < 250.0,
        "engine event to feed took {latency_ms:.1} ms"
    );
    assert!(docker(&["rm", "-f", &id]).unwrap().status.success());
    feed.wait_for(Duration::from_secs(5), |event| {
        event["type"] == "container_removed" && event["container_id"] == id.as_str()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_event_stream_and_an_engine_outage_are_caught_up_on() {
    let (server, token) = start().await;
    let labelled = Labelled::new();
    let proxy = EngineProxy::tcp(0).await;
    let port = proxy.port;
    let (_, created) = server
        .call(
            "POST",
            "/api/environments",
            &token,
            Some(json!({"name": "remote", "url": proxy.url()})),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let environment = format!("/api/environments/{id}");
    let containers = format!("/api/environments/{id}/containers?label={}", labelled.0);
    server
        .eventually(&token, &environment, Duration::from_secs(5), |env| {
            env["status"]["synced_at"].is_i64() && env["status"]["stale"] == false
        })
        .await;

    // The event stream drops while the engine stays up: Berth reconnects and catches up.
    proxy.cut_connections();
    let during_gap = unique_name("gap");
    labelled.create(&during_gap, &["true"], false);
    server
        .eventually(&token, &containers, Duration::from_secs(5), |body| {
            names(body) == vec![during_gap.clone()]
        })
        .await;

    // The engine goes away: the environment is marked down, its mirror kept but stale.
    let mut feed = EventStream::open(
        &server.client,
        &server.url(&format!("/api/events?environment_id={id}")),
        &token,
    )
    .await;
    drop(proxy);
    feed.wait_for(Duration::from_secs(5), |event| {
        event["type"] == "environment_down"
    })
    .await;
    let down = server
        .eventually(&token, &environment, Duration::from_secs(5), |env| {
            env["status"]["stale"] == true
        })
        .await;
    assert_eq!(down["status"]["health"], "down");
    let (status, kept) = server.call("GET", &containers, &token, None).await;
    assert_eq!(
        (status, names(&kept)),
        (200, vec![during_gap.clone()]),
        "the last known state is still served"
    );
    let started = Instant::now();
    assert_eq!(
        server
            .call("GET", "/api/containers?limit=10", &token, None)
            .await
            .0,
        200
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "the fleet list waits on nobody"
    );
    assert_eq!(
        server
            .call(
                "POST",
                &format!("/api/environments/{id}/containers/{during_gap}/start"),
                &token,
                None
            )
            .await
            .0,
        502
    );

    // While it is away, things change; when it comes back the mirror resyncs and announces them.
    let while_down = unique_name("down");
    labelled.create(&while_down, &["true"], false);
    let _back = EngineProxy::tcp(port).await;
    feed.wait_for(Duration::from_secs(10), |event| {
        event["type"] == "container_created" && event["container"]["name"] == while_down.as_str()
    })
    .await;
    let back = server
        .eventually(&token, &environment, Duration::from_secs(10), |env| {
            env["status"]["stale"] == false && env["status"]["health"] == "up"
        })
        .await;
    assert!(back["status"]["synced_at"].as_i64() >= down["status"]["synced_at"].as_i64());
    let mut expected = vec![during_gap, while_down];
    expected.sort();
    server
        .eventually(&token, &containers, Duration::from_secs(5), |body| {
            names(body) == expected
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_users_get_changes_only_for_granted_environments() {
    let (server, admin) = start().await;
    let labelled = Labelled::new();
    let proxy = EngineProxy::tcp(0).await;
    let (_, created) = server
        .call(
            "POST",
            "/api/environments",
            &admin,
            Some(json!({"name": "granted", "url": proxy.url()})),
        )
        .await;
    let granted = created["id"].as_i64().unwrap();
    server
        .create_user(&admin, "viewer", "standard", &[granted])
        .await;
    let viewer = server.login("viewer", berth_testkit::ADMIN_PASSWORD).await;
    server
        .eventually(
            &admin,
            &format!("/api/environments/{granted}"),
            Duration::from_secs(5),
            |env| env["status"]["stale"] == false,
        )
        .await;

    let mut viewer_feed =
        EventStream::open(&server.client, &server.url("/api/events"), &viewer).await;
    let mut admin_feed =
        EventStream::open(&server.client, &server.url("/api/events"), &admin).await;
    viewer_feed
        .wait_for(Duration::from_secs(5), |event| event["type"] == "ready")
        .await;
    admin_feed
        .wait_for(Duration::from_secs(5), |event| event["type"] == "ready")
        .await;
    // Both environments are the same engine, so one container shows up in each.
    let id = labelled.create(&unique_name("shared"), &["true"], false);
    let is_it = |event: &Value| {
        event["type"] == "container_created" && event["container"]["id"] == id.as_str()
    };
    admin_feed
        .wait_for(Duration::from_secs(5), |event| {
            is_it(event) && event["environment_id"] == 1
        })
        .await;
    viewer_feed
        .wait_for(Duration::from_secs(5), |event| {
            is_it(event) && event["environment_id"] == granted
        })
        .await;
    let later = viewer_feed.collect_for(Duration::from_millis(700)).await;
    assert!(
        later
            .iter()
            .all(|event| event.value["environment_id"] == granted),
        "{:?}",
        later.iter().map(|e| &e.value).collect::<Vec<_>>()
    );

    assert_eq!(
        server
            .call("GET", "/api/events?environment_id=1", &viewer, None)
            .await
            .0,
        404
    );
    assert_eq!(
        server
            .call("GET", "/api/environments/1/containers", &viewer, None)
            .await
            .0,
        404
    );
    let (_, fleet) = server
        .call(
            "GET",
            &format!("/api/containers?label={}", labelled.0),
            &viewer,
            None,
        )
        .await;
    assert!(
        fleet["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["environment_id"] == granted),
        "{fleet}"
    );
    assert_eq!(
        server
            .call(
                "POST",
                &format!("/api/environments/1/containers/{id}/start"),
                &viewer,
                None
            )
            .await
            .0,
        404
    );
    assert_eq!(
        server
            .call("GET", "/api/system/diagnostics", &viewer, None)
            .await
            .0,
        403
    );
}
