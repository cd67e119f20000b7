//! `cargo xtask bench`: Berth's figures, measured in one run against the raw engine on the same machine,
//! because absolute times drift on shared machines and ratios do not.
//!
//! - `GET containers/json?all=1` through the gateway against the engine socket, at 100 and 1,000 containers
//!   (target: gateway median ≤ 1.10 × raw median + 2 ms);
//! - the server's idle resident memory (target ≤ 40 MB);
//! - time from start to the first successful `/api/system/status` (target ≤ 300 ms);
//! - live state (see `live.rs`): a page of 50 from the mirror at 1,000 and 5,000 containers, engine event
//!   to change-feed latency, and CPU while 20 viewers watch the stats of 20 containers;
//! - the web app (see `web.rs`): what the containers page transfers, and time to a usable list of 1,000.

mod live;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const LABEL: &str = "berth.bench=1";
const SAMPLES: usize = 40;

pub fn run() -> anyhow::Result<()> {
    crate::engine::prepare()?;
    crate::web::build()?;
    crate::cargo(&["build", "--release", "--package", "berth"])?;
    let binary = crate::workspace_root().join("target/release/berth");
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(measure(&binary))
}

async fn measure(binary: &Path) -> anyhow::Result<()> {
    println!("\n== start-up and idle memory");
    let start = start_up(binary).await?;
    println!(
        "first start (new data dir, migrations): {:.1} ms; restart: median {:.1} ms of 5  [target ≤ 300 ms: {}]",
        start.first_ms,
        start.restart_median_ms,
        verdict(start.first_ms.max(start.restart_median_ms) <= 300.0)
    );
    println!(
        "idle resident memory: {:.1} MB  [target ≤ 40 MB: {}]",
        start.idle_rss_mb,
        verdict(start.idle_rss_mb <= 40.0)
    );

    println!(
        "\n== GET /containers/json?all=1: gateway vs engine socket ({SAMPLES} samples each, interleaved)"
    );
    let server = Server::start(binary).await?;
    let key = server.api_key().await?;
    remove_bench_containers().await?;
    let mut all_ok = true;
    for count in [100usize, 1000] {
        create_containers(count).await?;
        // Measure in the steady state, once Berth's mirror has caught up with the creations.
        live::wait_for_mirror(&server, &key, count).await?;
        let (raw, gateway) = compare_list(&server, &key).await?;
        let limit = raw * 1.10 + 2.0;
        all_ok &= gateway <= limit;
        println!(
            "{count:>5} containers: raw median {raw:.2} ms, gateway median {gateway:.2} ms, ratio {:.3}  [target ≤ 1.10 × raw + 2 ms = {limit:.2} ms: {}]",
            gateway / raw,
            verdict(gateway <= limit)
        );
    }
    remove_bench_containers().await?;

    println!("\n== live state");
    all_ok &= live::feed_latency(&server, &key).await?;
    all_ok &= live::mirror_pages(&server, &key).await?;
    remove_bench_containers().await?;
    all_ok &= live::stats_cpu(&server, &key).await?;
    remove_bench_containers().await?;

    println!("\n== web app");
    all_ok &= web::bundle_size()?;
    all_ok &= web::time_to_list(&server, &key).await?;
    remove_bench_containers().await?;
    println!(
        "server resident memory after the runs: {:.1} MB",
        rss_mb(server.child.id())?
    );
    if !all_ok {
        println!("\nnote: at least one figure missed its target in this run");
    }
    Ok(())
}

struct StartUp {
    first_ms: f64,
    restart_median_ms: f64,
    idle_rss_mb: f64,
}

async fn start_up(binary: &Path) -> anyhow::Result<StartUp> {
    let dir = tempfile::tempdir()?;
    let first = Server::start_in(binary, dir.path()).await?;
    let first_ms = first.ready_after.as_secs_f64() * 1000.0;
    drop(first);
    let mut restarts = Vec::new();
    for _ in 0..5 {
        let server = Server::start_in(binary, dir.path()).await?;
        restarts.push(server.ready_after.as_secs_f64() * 1000.0);
    }
    let idle = Server::start_in(binary, dir.path()).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_mb = rss_mb(idle.child.id())?;
    Ok(StartUp {
        first_ms,
        restart_median_ms: median(&mut restarts),
        idle_rss_mb,
    })
}

/// A release `berth server` on a free port.
pub(crate) struct Server {
    child: Child,
    pub(crate) base_url: String,
    ready_after: Duration,
    pub(crate) client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) const PASSWORD: &str = "benchmark-password";

impl Server {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn start(binary: &Path) -> anyhow::Result<Server> {
        let dir = tempfile::tempdir()?;
        let mut server = Server::start_in(binary, dir.path()).await?;
        server._dir = Some(dir);
        Ok(server)
    }

    async fn start_in(binary: &Path, dir: &Path) -> anyhow::Result<Server> {
        let port = berth_testkit::free_port();
        let password_file: PathBuf = dir.join("password");
        std::fs::write(&password_file, PASSWORD)?;
        let started = Instant::now();
        let child = Command::new(binary)
            .arg("server")
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args([
                "--http-listen",
                &format!("127.0.0.1:{port}"),
                "--https-listen",
                "off",
            ])
            .arg("--admin-password-file")
            .arg(&password_file)
            .args(["--log-level", "warn"])
            .env_remove("DOCKER_HOST")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting berth")?;
        let client = reqwest::Client::new();
        let base_url = format!("http://127.0.0.1:{port}");
        let status_url = format!("{base_url}/api/system/status");
        let mut server = Server {
            child,
            base_url,
            ready_after: Duration::ZERO,
            client,
            _dir: None,
        };
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(response) = server.client.get(&status_url).send().await
                && response.status().is_success()
            {
                server.ready_after = started.elapsed();
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        bail!("berth did not answer within 30 s")
    }

    async fn api_key(&self) -> anyhow::Result<String> {
        let login: Value = self
            .client
            .post(format!("{}/api/auth/login", self.base_url))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let token = login["token"].as_str().context("no token")?;
        let created: Value = self
            .client
            .post(format!("{}/api/users/me/api-keys", self.base_url))
            .bearer_auth(token)
            .json(&json!({"name": "bench"}))
            .send()
            .await?
            .json()
            .await?;
        Ok(created["key"].as_str().context("no key")?.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn verdict(ok: bool) -> &'static str {
    if ok { "meets target" } else { "MISSES TARGET" }
}

fn rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kilobytes: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .context("no VmRSS")?;
    Ok(kilobytes / 1024.0)
}

pub(crate) fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

/// One HTTP/1.1 request to the engine socket on a fresh connection; returns status and body.
pub(crate) async fn engine_request(
    method: &str,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<(u16, Bytes)> {
    let stream = tokio::net::UnixStream::connect(berth_testkit::DOCKER_SOCKET).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "docker");
    let response = match body {
        Some(body) => {
            let request = request
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))?;
            sender.send_request(request).await?
        }
        None => {
            sender
                .send_request(request.body(Full::new(Bytes::new()))?)
                .await?
        }
    };
    let status = response.status().as_u16();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

async fn create_containers(target: usize) -> anyhow::Result<()> {
    create_bench_containers(target, &["true"]).await
}

/// Makes the engine hold `target` bench containers running `command` (only created, not started).
pub(crate) async fn create_bench_containers(target: usize, command: &[&str]) -> anyhow::Result<()> {
    let command: Vec<String> = command.iter().map(|part| part.to_string()).collect();
    let (_, body) = engine_request(
        "GET",
        &format!("/v1.41/containers/json?all=1&filters={}", label_filter()),
        None,
    )
    .await?;
    let existing = serde_json::from_slice::<Vec<Value>>(&body)?.len();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in existing..target {
        if tasks.len() >= 8 {
            tasks.join_next().await.context("task")???;
        }
        let command = command.clone();
        tasks.spawn(async move {
            let (status, body) = engine_request(
                "POST",
                "/v1.41/containers/create",
                Some(json!({"Image": berth_testkit::TEST_IMAGE, "Cmd": command, "Labels": {"berth.bench": "1"}})),
            )
            .await?;
            if status != 201 {
                bail!("creating a container: {status} {}", String::from_utf8_lossy(&body));
            }
            Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    println!(
        "({} containers created in {:.1} s)",
        target - existing,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(crate) fn label_filter() -> String {
    // {"label":["berth.bench=1"]}, URL-encoded.
    format!(
        "%7B%22label%22%3A%5B%22{}%22%5D%7D",
        LABEL.replace('=', "%3D")
    )
}

pub(crate) async fn remove_bench_containers() -> anyhow::Result<()> {
    // Stopped ones in one call; running ones (the stats scenario's) one by one.
    engine_request(
        "POST",
        &format!("/v1.41/containers/prune?filters={}", label_filter()),
        None,
    )
    .await?;
    let (_, body) = engine_request(
        "GET",
        &format!("/v1.41/containers/json?all=1&filters={}", label_filter()),
        None,
    )
    .await?;
    for container in serde_json::from_slice::<Vec<Value>>(&body)? {
        if let Some(id) = container["Id"].as_str() {
            engine_request("DELETE", &format!("/v1.41/containers/{id}?force=1"), None).await?;
        }
    }
    Ok(())
}

/// Medians in milliseconds of the raw engine (one kept-alive connection, the best case) and the gateway.
async fn compare_list(server: &Server, key: &str) -> anyhow::Result<(f64, f64)> {
    let stream = tokio::net::UnixStream::connect(berth_testkit::DOCKER_SOCKET).await?;
    let (mut raw, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let gateway_url = format!(
        "{}/api/environments/1/docker/v1.41/containers/json?all=1",
        server.base_url
    );
    let mut raw_times = Vec::new();
    let mut gateway_times = Vec::new();
    let mut sizes = (0, 0);
    for sample in 0..SAMPLES + 3 {
        let started = Instant::now();
        let request = Request::builder()
            .uri("/v1.41/containers/json?all=1")
            .header("host", "docker")
            .body(Empty::<Bytes>::new())?;
        let body = raw
            .send_request(request)
            .await?
            .into_body()
            .collect()
            .await?
            .to_bytes();
        let raw_elapsed = started.elapsed();

        let started = Instant::now();
        let response = server
            .client
            .get(&gateway_url)
            .header("x-api-key", key)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("gateway answered {}", response.status());
        }
        let gateway_body = response.bytes().await?;
        let gateway_elapsed = started.elapsed();
        // The first few warm both paths up.
        if sample >= 3 {
            raw_times.push(raw_elapsed.as_secs_f64() * 1000.0);
            gateway_times.push(gateway_elapsed.as_secs_f64() * 1000.0);
            sizes = (body.len(), gateway_body.len());
        }
    }
    if sizes.0.abs_diff(sizes.1) > sizes.0 / 10 {
        bail!(
            "the gateway returned {} bytes where the engine returned {}",
            sizes.1,
            sizes.0
        );
    }
    Ok((median(&mut raw_times), median(&mut gateway_times)))
}
