//! Swarm resources in the live mirror, against the real engine made a single-node swarm manager for the
//! length of this test (left again afterwards, unless it already was a manager). Its own test binary, so
//! nothing else runs against the engine while it is a swarm.

use std::time::Duration;

use berth_testkit::{BerthServer, EventStream, TEST_IMAGE, docker, require_engine, unique_name};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

/// Makes the engine a swarm manager, and undoes it (with what the test created) when dropped.
struct Swarm {
    created_here: bool,
    cleanup: Vec<Vec<String>>,
}

impl Swarm {
    fn ensure() -> Swarm {
        let state = docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]).unwrap();
        let active = String::from_utf8_lossy(&state.stdout).trim() == "active";
        if !active {
            let init = docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]).unwrap();
            assert!(
                init.status.success(),
                "swarm init: {}",
                String::from_utf8_lossy(&init.stderr)
            );
        }
        Swarm {
            created_here: !active,
            cleanup: Vec::new(),
        }
    }

    fn run(&mut self, args: &[&str], undo: &[&str]) -> String {
        let output = docker(args).unwrap();
        assert!(
            output.status.success(),
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        self.cleanup
            .push(undo.iter().map(|part| part.to_string()).collect());
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        for undo in self.cleanup.iter().rev() {
            let args: Vec<&str> = undo.iter().map(String::as_str).collect();
            let _ = docker(&args);
        }
        if self.created_here {
            let _ = docker(&["swarm", "leave", "--force"]);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_swarm_managers_services_tasks_nodes_configs_and_secrets_are_mirrored() {
    require_engine();
    let was_manager = docker(&["info", "--format", "{{.Swarm.ControlAvailable}}"]).unwrap();
    let was_manager = String::from_utf8_lossy(&was_manager.stdout).trim() == "true";
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    server
        .eventually(
            &token,
            "/api/environments/1",
            Duration::from_secs(20),
            |env| env["status"]["synced_at"].is_i64(),
        )
        .await;
    if !was_manager {
        let (status, body) = server
            .call("GET", "/api/environments/1/swarm/services", &token, None)
            .await;
        assert_eq!(status, 404, "not a swarm manager yet: {body}");
    }

    let mut swarm = Swarm::ensure();
    let mut feed = EventStream::open(
        &server.client,
        &server.url("/api/events?environment_id=1"),
        &token,
    )
    .await;
    let service = unique_name("svc");
    swarm.run(
        &[
            "service",
            "create",
            "--detach",
            "--name",
            &service,
            "--replicas",
            "2",
            "--label",
            "com.docker.stack.namespace=berth-test",
            TEST_IMAGE,
            "sleep",
            "300",
        ],
        &["service", "rm", &service],
    );
    feed.wait_for(Duration::from_secs(20), |event| {
        event["type"] == "swarm_changed" && event["resource"] == "services"
    })
    .await;
    let services = server
        .eventually(
            &token,
            &format!("/api/environments/1/swarm/services?search={service}"),
            Duration::from_secs(20),
            |body| body["items"][0]["running_tasks"] == 2,
        )
        .await;
    let listed = &services["items"][0];
    assert_eq!(
        (
            listed["mode"].as_str(),
            listed["desired_tasks"].as_u64(),
            listed["stack"].as_str()
        ),
        (Some("replicated"), Some(2), Some("berth-test"))
    );
    assert_eq!(listed["image"], TEST_IMAGE);
    let service_id = listed["id"].as_str().unwrap().to_string();

    let tasks = server
        .eventually(
            &token,
            &format!("/api/environments/1/swarm/tasks?search={service_id}"),
            Duration::from_secs(20),
            |body| {
                body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|t| t["state"] == "running")
                    .count()
                    == 2
            },
        )
        .await;
    assert!(
        tasks["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["container_id"].is_string() && t["desired_state"] == "running")
    );

    let (_, nodes) = server
        .call("GET", "/api/environments/1/swarm/nodes", &token, None)
        .await;
    assert_eq!(nodes["total"], 1, "{nodes}");
    assert_eq!(
        (
            nodes["items"][0]["role"].as_str(),
            nodes["items"][0]["leader"].as_bool(),
            nodes["items"][0]["state"].as_str()
        ),
        (Some("manager"), Some(true), Some("ready"))
    );

    let secret = unique_name("secret");
    let secret_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret_file.path(), "do-not-show-me").unwrap();
    swarm.run(
        &[
            "secret",
            "create",
            &secret,
            secret_file.path().to_str().unwrap(),
        ],
        &["secret", "rm", &secret],
    );
    let config = unique_name("config");
    swarm.run(
        &[
            "config",
            "create",
            &config,
            secret_file.path().to_str().unwrap(),
        ],
        &["config", "rm", &config],
    );
    let secrets = server
        .eventually(
            &token,
            &format!("/api/environments/1/swarm/secrets?search={secret}"),
            Duration::from_secs(20),
            |body| body["total"] == 1,
        )
        .await;
    assert!(!secrets.to_string().contains("do-not-show-me"));
    server
        .eventually(
            &token,
            &format!("/api/environments/1/swarm/configs?search={config}"),
            Duration::from_secs(20),
            |body| body["total"] == 1,
        )
        .await;

    // Scaling down shows up as running tasks falling; removing the service empties the list.
    assert!(
        docker(&["service", "scale", "--detach", &format!("{service}=1")])
            .unwrap()
            .status
            .success()
    );
    server
        .eventually(
            &token,
            &format!("/api/environments/1/swarm/services?search={service}"),
            Duration::from_secs(20),
            |body| body["items"][0]["running_tasks"] == 1,
        )
        .await;
    assert!(
        docker(&["service", "rm", &service])
            .unwrap()
            .status
            .success()
    );
    server
        .eventually(
            &token,
            &format!("/api/environments/1/swarm/services?search={service}"),
            Duration::from_secs(20),
            |body| body["total"] == 0,
        )
        .await;
}
