//! Recreating a container, with and without a fresh pull from a real registry: same name, configuration,
//! networks and running state, the new image only when asked for, the old container gone.

use std::time::Duration;

use berth_testkit::{BerthServer, Registry, TEST_IMAGE, docker, require_engine, unique_name};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

fn run(args: &[&str]) -> String {
    let output = docker(args).unwrap();
    assert!(
        output.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// What the container's process printed first: the image version it runs.
async fn version_of(name: &str) -> String {
    for _ in 0..50 {
        let logs = run(&["logs", name]);
        if let Some(line) = logs.lines().next() {
            return line.to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} printed nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn recreate_keeps_the_configuration_and_pulls_only_when_asked() {
    require_engine();
    let registry = Registry::start().await.unwrap();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let reference = format!("{}/berth-test/{}:1", registry.address, unique_name("app"));
    let name = unique_name("recreate");
    let network = unique_name("recreate-net");

    // v1 locally and in the registry; then v2 pushed, and the local tag put back on v1.
    run(&["tag", TEST_IMAGE, &reference]);
    run(&["push", &reference]);
    let context = tempfile::tempdir().unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        format!("FROM {TEST_IMAGE}\nRUN mkdir -p /etc && echo v2 > /etc/version\n"),
    )
    .unwrap();
    let mut build = std::process::Command::new("docker");
    build
        .args([
            "build",
            "-q",
            "-t",
            &reference,
            context.path().to_str().unwrap(),
        ])
        .env("DOCKER_BUILDKIT", "0")
        .env("DOCKER_HOST", "unix:///var/run/docker.sock");
    assert!(build.output().unwrap().status.success());
    run(&["push", &reference]);
    run(&["tag", TEST_IMAGE, &reference]);

    run(&["network", "create", &network]);
    run(&[
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        "berth.test=recreate",
        "--env",
        "GREETING=hello",
        "--network",
        &network,
        "--network-alias",
        "web",
        &reference,
        "sh",
        "-c",
        "cat /etc/version 2>/dev/null || echo v1; sleep 300",
    ]);
    assert_eq!(version_of(&name).await, "v1");
    let old_id = run(&["inspect", "-f", "{{.Id}}", &name]);

    let path = format!("/api/environments/1/containers/{name}/recreate");
    let (status, body) = server.call("POST", &path, &token, None).await;
    assert_eq!(
        (status, body["state"].as_str(), body["name"].as_str()),
        (200, Some("running"), Some(name.as_str())),
        "{body}"
    );
    assert_ne!(body["id"].as_str().unwrap(), old_id);
    assert_eq!(
        version_of(&name).await,
        "v1",
        "no pull: still the local image"
    );

    let (status, body) = server
        .call("POST", &format!("{path}?pull=true"), &token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        version_of(&name).await,
        "v2",
        "pulled: the registry's newer image"
    );
    assert_eq!(
        run(&[
            "inspect",
            "-f",
            "{{range .Config.Env}}{{println .}}{{end}}",
            &name
        ])
        .lines()
        .find(|l| l.starts_with("GREETING")),
        Some("GREETING=hello")
    );
    let aliases = run(&[
        "inspect",
        "-f",
        &format!("{{{{json (index .NetworkSettings.Networks \"{network}\").Aliases}}}}"),
        &name,
    ]);
    assert!(aliases.contains("\"web\""), "network alias kept: {aliases}");
    let all = run(&[
        "ps",
        "-a",
        "--filter",
        "label=berth.test=recreate",
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(
        all.lines().filter(|line| line.starts_with(&name)).count(),
        1,
        "the old container is gone: {all}"
    );
    let (_, listed) = server
        .call(
            "GET",
            &format!("/api/environments/1/containers?search={name}"),
            &token,
            None,
        )
        .await;
    assert_eq!(listed["total"], 1, "the mirror shows one: {listed}");

    assert_eq!(
        server
            .call(
                "POST",
                "/api/environments/1/containers/no-such/recreate",
                &token,
                None
            )
            .await
            .0,
        404
    );

    // A failed pull changes nothing.
    drop(registry);
    let (status, body) = server
        .call("POST", &format!("{path}?pull=true"), &token, None)
        .await;
    assert!(status >= 400, "{status} {body}");
    assert_eq!(version_of(&name).await, "v2");
    assert_eq!(run(&["inspect", "-f", "{{.State.Running}}", &name]), "true");

    let _ = docker(&["rm", "-f", &name]);
    let _ = docker(&["network", "rm", &network]);
    let _ = docker(&["rmi", &reference]);
}

/// Regression: the engine client gave every request 5 seconds, so stopping a container that ignores
/// SIGTERM (its grace is 10 seconds by default) failed with "Timeout error" instead of waiting.
#[tokio::test(flavor = "multi_thread")]
async fn stopping_a_container_that_ignores_sigterm_waits_out_its_grace() {
    require_engine();
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let name = unique_name("stubborn");
    // PID 1 gets no default signal handlers, so a bare `sleep` ignores SIGTERM.
    run(&[
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        "berth.test=recreate",
        TEST_IMAGE,
        "sleep",
        "300",
    ]);
    let started = std::time::Instant::now();
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/environments/1/containers/{name}/stop?timeout=7"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("exited")),
        "{body}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "the grace was waited out"
    );
    let _ = docker(&["rm", "-f", &name]);
}
