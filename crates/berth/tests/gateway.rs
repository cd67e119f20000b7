//! The Docker Engine gateway, driven by the real docker CLI against the real engine: everyday commands,
//! interactive TTYs, streams, builds and copies; and who may use it.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use berth_testkit::{BerthServer, TEST_IMAGE, docker, docker_via, require_engine, unique_name};
use serde_json::json;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

/// A server, an admin API key, and a docker CLI config that uses it.
struct Gateway {
    server: BerthServer,
    key: String,
    config_dir: tempfile::TempDir,
    label: String,
}

impl Gateway {
    async fn start() -> Gateway {
        require_engine();
        let server = BerthServer::start(BERTH).await;
        let token = server.admin_token().await;
        let key = server.api_key(&token).await;
        Gateway {
            server,
            key,
            config_dir: tempfile::tempdir().unwrap(),
            label: unique_name("berth.test"),
        }
    }

    fn docker(&self, args: &[&str]) -> Command {
        let mut command = docker_via(self.config_dir.path(), &self.server.base_url, 1, &self.key);
        command.args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        let output = self.docker(args).output().expect("running docker");
        assert!(
            output.status.success(),
            "docker {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn label_arg(&self) -> String {
        format!("--label={}", self.label)
    }
}

impl Drop for Gateway {
    /// Removes whatever the test created, straight on the engine.
    fn drop(&mut self) {
        berth_testkit::remove_labelled_containers(&self.label);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_ps_run_and_exec_work_through_the_gateway() {
    let gateway = Gateway::start().await;
    let version = gateway.run(&["version", "--format", "{{.Server.APIVersion}}"]);
    assert_eq!(stdout(&version).trim(), "1.41");

    let output = gateway.run(&[
        "run",
        "--rm",
        &gateway.label_arg(),
        TEST_IMAGE,
        "echo",
        "hello from berth",
    ]);
    assert_eq!(stdout(&output).trim(), "hello from berth");

    let name = unique_name("gw-exec");
    gateway.run(&[
        "run",
        "-d",
        "--name",
        &name,
        &gateway.label_arg(),
        TEST_IMAGE,
        "sleep",
        "300",
    ]);
    let listed = gateway.run(&[
        "ps",
        "--filter",
        &format!("name={name}"),
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(stdout(&listed).trim(), name);
    let exec = gateway.run(&["exec", &name, "sh", "-c", "echo $((6*7))"]);
    assert_eq!(stdout(&exec).trim(), "42");

    // stdin is streamed through the hijacked connection, and its end is passed on.
    let mut child = gateway
        .docker(&["exec", "-i", &name, "wc", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[b'x'; 100_000])
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(stdout(&output).trim(), "100000");

    // The same engine, seen directly, agrees.
    let direct = docker(&["inspect", "--format", "{{.State.Running}}", &name]).unwrap();
    assert_eq!(stdout(&direct).trim(), "true");
}

/// Runs `docker ARGS` under a pseudo-terminal (util-linux `script`), typing `input`, as a person would.
fn interactive(gateway: &Gateway, args: &str, input: &str) -> String {
    let docker_command = gateway.docker(&[]);
    let mut command = Command::new("script");
    // The pseudo-terminal gets a known size, which the CLI must pass on through the resize endpoint.
    command.args([
        "-qfec",
        &format!("stty rows 31 cols 97; docker {args}"),
        "/dev/null",
    ]);
    for (key, value) in docker_command.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        for line in input.lines() {
            let _ = writeln!(stdin, "{line}");
            std::thread::sleep(Duration::from_millis(300));
        }
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        output.status.success(),
        "docker {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

#[tokio::test(flavor = "multi_thread")]
async fn interactive_tty_sessions_work_with_resize() {
    let gateway = Gateway::start().await;
    let output = interactive(
        &gateway,
        &format!("run -it --rm {} {TEST_IMAGE} sh", gateway.label_arg()),
        "stty size; tty; echo done-$((1+1)); exit",
    );
    assert!(output.contains("/dev/pts/"), "{output}");
    assert!(output.contains("done-2"), "{output}");
    assert!(
        output.lines().any(|line| line.trim() == "31 97"),
        "terminal size not passed on: {output}"
    );

    let name = unique_name("gw-tty");
    gateway.run(&[
        "run",
        "-d",
        "--name",
        &name,
        &gateway.label_arg(),
        TEST_IMAGE,
        "sleep",
        "300",
    ]);
    let output = interactive(
        &gateway,
        &format!("exec -it {name} sh"),
        "echo inside-$((20+1)); exit",
    );
    assert!(output.contains("inside-21"), "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_follow_and_events_stream() {
    let gateway = Gateway::start().await;
    let name = unique_name("gw-logs");
    gateway.run(&[
        "run",
        "-d",
        "--name",
        &name,
        &gateway.label_arg(),
        TEST_IMAGE,
        "sh",
        "-c",
        "i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.1; done",
    ]);
    // `logs -f` keeps streaming: lines logged after it started still arrive.
    let mut follow = gateway
        .docker(&["logs", "-f", "--since", "0s", &name])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    follow.kill().unwrap();
    let output = follow.wait_with_output().unwrap();
    let lines = stdout(&output).lines().count();
    assert!(lines >= 5, "only {lines} lines followed");

    let mut events = gateway
        .docker(&[
            "events",
            "--filter",
            &format!("container={name}"),
            "--format",
            "{{.Action}}",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let direct = docker(&["stop", "-t", "0", &name]).unwrap();
    assert!(direct.status.success());
    std::thread::sleep(Duration::from_millis(1500));
    events.kill().unwrap();
    let output = stdout(&events.wait_with_output().unwrap());
    assert!(
        output.lines().any(|action| action == "die"),
        "events: {output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn build_and_copy_stream_archives_both_ways() {
    let gateway = Gateway::start().await;
    let context = tempfile::tempdir().unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        format!(
            "FROM {TEST_IMAGE}\nCOPY payload.txt /payload.txt\nCMD [\"cat\", \"/payload.txt\"]\n"
        ),
    )
    .unwrap();
    let payload: String = (0..50_000).map(|i| format!("{i}\n")).collect();
    std::fs::write(context.path().join("payload.txt"), &payload).unwrap();
    let tag = format!("berth-test/{}:latest", unique_name("built"));
    let mut build = gateway.docker(&["build", "-q", "-t", &tag, context.path().to_str().unwrap()]);
    build.env("DOCKER_BUILDKIT", "0");
    let output = build.output().unwrap();
    assert!(
        output.status.success(),
        "build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ran = gateway.run(&["run", "--rm", &gateway.label_arg(), &tag]);
    assert_eq!(stdout(&ran), payload);

    let name = unique_name("gw-cp");
    gateway.run(&[
        "run",
        "-d",
        "--name",
        &name,
        &gateway.label_arg(),
        TEST_IMAGE,
        "sleep",
        "300",
    ]);
    let source = context.path().join("payload.txt");
    gateway.run(&[
        "cp",
        source.to_str().unwrap(),
        &format!("{name}:/tmp/in.txt"),
    ]);
    let back = context.path().join("back.txt");
    gateway.run(&["cp", &format!("{name}:/tmp/in.txt"), back.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(back).unwrap(), payload);
    let _ = docker(&["rmi", "-f", &tag]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_checks_who_is_asking() {
    let gateway = Gateway::start().await;
    let server = &gateway.server;
    let admin = server.admin_token().await;

    let anonymous = server
        .client
        .get(server.url("/api/environments/1/docker/_ping"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // A standard user without a grant: the environment does not exist for them.
    server
        .create_user(&admin, "outsider", "standard", &[])
        .await;
    let outsider = server
        .login("outsider", berth_testkit::ADMIN_PASSWORD)
        .await;
    let outsider_key = server.api_key(&outsider).await;
    let denied = docker_via(
        gateway.config_dir.path().join("outsider").as_path(),
        &server.base_url,
        1,
        &outsider_key,
    )
    .args(["ps"])
    .output()
    .unwrap();
    assert!(!denied.status.success());
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(
        stderr.contains("Error response from daemon: environment not found"),
        "the CLI shows Berth's message: {stderr}"
    );
    let response = server
        .client
        .get(server.url("/api/environments/1/docker/containers/json"))
        .bearer_auth(&outsider)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // Granted: the everyday API works, engine administration does not.
    server
        .create_user(&admin, "insider", "standard", &[1])
        .await;
    let insider = server.login("insider", berth_testkit::ADMIN_PASSWORD).await;
    let insider_key = server.api_key(&insider).await;
    let allowed = docker_via(
        gateway.config_dir.path().join("insider").as_path(),
        &server.base_url,
        1,
        &insider_key,
    )
    .args(["run", "--rm", &gateway.label_arg(), TEST_IMAGE, "true"])
    .output()
    .unwrap();
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let (status, _) = server
        .call(
            "POST",
            "/api/environments/1/docker/v1.41/swarm/init",
            &insider,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .call(
            "POST",
            "/api/environments/1/docker/plugins/pull?remote=x",
            &insider,
            None,
        )
        .await;
    assert_eq!(status, 403);

    // Unknown environments are 404, for administrators too.
    let (status, _) = server
        .call("GET", "/api/environments/999/docker/_ping", &admin, None)
        .await;
    assert_eq!(status, 404);

    // A revoked key stops working for the CLI at once.
    let (_, keys) = server
        .call("GET", "/api/users/me/api-keys", &insider, None)
        .await;
    let id = keys["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("/api/users/me/api-keys/{id}"),
                &insider,
                None
            )
            .await
            .0,
        204
    );
    let revoked = docker_via(
        gateway.config_dir.path().join("insider").as_path(),
        &server.base_url,
        1,
        &insider_key,
    )
    .args(["ps"])
    .output()
    .unwrap();
    assert!(!revoked.status.success());
}

/// Regression: without TCP_NODELAY on accepted connections, every streamed gateway response stalled ~40 ms
/// (Nagle's algorithm meeting the client's delayed ACK), whatever its size.
#[tokio::test(flavor = "multi_thread")]
async fn gateway_responses_are_not_held_back_by_nagle() {
    let gateway = Gateway::start().await;
    let server = &gateway.server;
    // A list long enough to be sent in several writes, as it was when the stall was found.
    let create = server.url("/api/environments/1/docker/v1.41/containers/create");
    let mut created = Vec::new();
    for _ in 0..60 {
        let body =
            json!({"Image": TEST_IMAGE, "Cmd": ["true"], "Labels": {gateway.label.clone(): "1"}});
        created.push(
            server
                .client
                .post(&create)
                .header("x-api-key", &gateway.key)
                .json(&body)
                .send(),
        );
    }
    for response in futures_util::future::join_all(created).await {
        assert_eq!(response.unwrap().status(), 201);
    }
    let url = server.url("/api/environments/1/docker/v1.41/containers/json?all=1");
    let mut times = Vec::new();
    for _ in 0..15 {
        let started = std::time::Instant::now();
        let response = server
            .client
            .get(&url)
            .header("x-api-key", &gateway.key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    assert!(
        median < Duration::from_millis(35),
        "median {median:?} over {times:?}"
    );
}
