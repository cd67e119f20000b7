//! Live-state figures: pages from the mirror against the engine's full list, engine event to change-feed
//! latency, and the CPU cost of watching stats through Berth against streaming them from the engine.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use berth_testkit::EventStream;
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::{Server, create_bench_containers, engine_request, label_filter, median, verdict};

/// p50 of a 50-item page from the mirror at 1,000 and 5,000 containers, beside the engine's full list.
pub(crate) async fn mirror_pages(server: &Server, key: &str) -> anyhow::Result<bool> {
    let mut ok = true;
    for count in [1000usize, 5000] {
        create_bench_containers(count, &["true"]).await?;
        wait_for_mirror(server, key, count).await?;
        let page_url = format!(
            "{}/api/environments/1/containers?label=berth.bench&limit=50&sort=created&order=desc",
            server.base_url
        );
        let mut pages = Vec::new();
        let mut raw = Vec::new();
        for sample in 0..33 {
            let started = Instant::now();
            let response = server
                .client
                .get(&page_url)
                .header("x-api-key", key)
                .send()
                .await?;
            let page: Value = response.json().await?;
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            if page["items"].as_array().map(Vec::len) != Some(50) {
                bail!("a page did not have 50 items: {page}");
            }
            let started = Instant::now();
            let (_, body) = engine_request(
                "GET",
                &format!("/v1.41/containers/json?all=1&filters={}", label_filter()),
                None,
            )
            .await?;
            let raw_elapsed = started.elapsed().as_secs_f64() * 1000.0;
            if sample >= 3 {
                pages.push(elapsed);
                raw.push(raw_elapsed);
            }
            drop(body);
        }
        let page_p50 = median(&mut pages);
        ok &= page_p50 <= 5.0;
        println!(
            "{count:>5} containers: page of 50 from the mirror p50 {page_p50:.2} ms (HTTP round trip, an upper bound on server time)  [target ≤ 5 ms: {}]; engine full list p50 {:.1} ms",
            verdict(page_p50 <= 5.0),
            median(&mut raw)
        );
    }
    Ok(ok)
}

pub(crate) async fn wait_for_mirror(
    server: &Server,
    key: &str,
    count: usize,
) -> anyhow::Result<()> {
    let url = format!(
        "{}/api/environments/1/containers?label=berth.bench&limit=1",
        server.base_url
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let page: Value = server
            .client
            .get(&url)
            .header("x-api-key", key)
            .send()
            .await?
            .json()
            .await?;
        if page["total"].as_u64() == Some(count as u64) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "the mirror did not reach {count} containers: {}",
                page["total"]
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Time from the engine's event (its own timestamp) to the change arriving on the feed, over 60 creations.
pub(crate) async fn feed_latency(server: &Server, key: &str) -> anyhow::Result<bool> {
    let mut feed = EventStream::open(
        &server.client,
        &format!("{}/api/events?environment_id=1", server.base_url),
        key,
    )
    .await;
    feed.next(Duration::from_secs(5))
        .await
        .context("no ready event")?;
    let mut latencies = Vec::new();
    for _ in 0..60 {
        let (status, body) = engine_request(
            "POST",
            "/v1.41/containers/create",
            Some(json!({"Image": berth_testkit::TEST_IMAGE, "Cmd": ["true"], "Labels": {"berth.bench": "1"}})),
        )
        .await?;
        if status != 201 {
            bail!("creating a container: {status}");
        }
        let id = serde_json::from_slice::<Value>(&body)?["Id"]
            .as_str()
            .context("no id")?
            .to_string();
        let (event, _) = feed
            .wait_for(Duration::from_secs(5), |event| {
                event["type"] == "container_created" && event["container"]["id"] == id.as_str()
            })
            .await;
        let engine_time = event.value["engine_time_nanos"]
            .as_i64()
            .context("no engine time")?;
        latencies.push((event.at_unix_nanos - engine_time) as f64 / 1e6);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let p50 = latencies[latencies.len() / 2];
    let p95 = latencies[latencies.len() * 95 / 100];
    println!(
        "engine event to change feed over {} events: p50 {p50:.1} ms, p95 {p95:.1} ms  [target p95 ≤ 250 ms: {}]",
        latencies.len(),
        verdict(p95 <= 250.0)
    );
    Ok(p95 <= 250.0)
}

/// CPU seconds used by a process so far (user + system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

fn pids_of(name: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == name)
        })
        .collect()
}

/// CPU used (percent of one core) by Berth and by the engine (dockerd + containerd) during `window`.
async fn measure_cpu(server: &Server, window: Duration) -> (f64, f64) {
    let engine: Vec<u32> = pids_of("dockerd")
        .into_iter()
        .chain(pids_of("containerd"))
        .collect();
    let engine_cpu = |pids: &[u32]| pids.iter().map(|pid| cpu_seconds(*pid)).sum::<f64>();
    let (berth_before, engine_before) = (cpu_seconds(server.pid()), engine_cpu(&engine));
    tokio::time::sleep(window).await;
    let seconds = window.as_secs_f64();
    (
        (cpu_seconds(server.pid()) - berth_before) / seconds * 100.0,
        (engine_cpu(&engine) - engine_before) / seconds * 100.0,
    )
}

/// 20 viewers each watching the stats of the same 20 containers: through Berth (shared upstreams, from the
/// cgroup files and from the engine's API), and directly from the engine (one stream per viewer and container).
pub(crate) async fn stats_cpu(server: &Server, key: &str) -> anyhow::Result<bool> {
    const CONTAINERS: usize = 20;
    const VIEWERS: usize = 20;
    const WINDOW: Duration = Duration::from_secs(10);
    create_bench_containers(CONTAINERS, &["sleep", "600"]).await?;
    let (_, body) = engine_request(
        "GET",
        &format!("/v1.41/containers/json?all=1&filters={}", label_filter()),
        None,
    )
    .await?;
    let ids: Vec<String> = serde_json::from_slice::<Vec<Value>>(&body)?
        .iter()
        .filter_map(|container| container["Id"].as_str().map(str::to_string))
        .collect();
    for id in &ids {
        engine_request("POST", &format!("/v1.41/containers/{id}/start"), None).await?;
    }
    let (idle_berth, idle_engine) = measure_cpu(server, WINDOW).await;
    println!(
        "stats, {VIEWERS} viewers × {CONTAINERS} containers, CPU as % of one core over {} s:",
        WINDOW.as_secs()
    );
    println!(
        "  nobody watching:                    berth {idle_berth:5.1} %, engine (dockerd + containerd) {idle_engine:5.1} %"
    );

    for (label, source) in [
        ("through Berth, from cgroup files:", "auto"),
        ("through Berth, from the engine API:", "engine"),
    ] {
        let mut streams = Vec::new();
        for _ in 0..VIEWERS {
            for id in &ids {
                let url = format!(
                    "{}/api/environments/1/containers/{id}/stats?source={source}",
                    server.base_url
                );
                streams.push(EventStream::open(&server.client, &url, key).await);
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (berth, engine) = measure_cpu(server, WINDOW).await;
        let mut received = 0;
        for stream in &mut streams {
            received += stream.collect_for(Duration::from_millis(1)).await.len();
        }
        println!(
            "  {label:<36} berth {berth:5.1} %, engine {engine:5.1} %  ({} streams, {received} samples delivered)",
            streams.len()
        );
        drop(streams);
        tokio::time::sleep(Duration::from_secs(4)).await;
    }

    // Directly: every viewer opens its own engine stream per container.
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..VIEWERS {
        for id in &ids {
            let id = id.clone();
            readers.spawn(async move {
                let stream = tokio::net::UnixStream::connect(berth_testkit::DOCKER_SOCKET).await?;
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                tokio::spawn(connection);
                let request = Request::builder()
                    .uri(format!("/v1.41/containers/{id}/stats?stream=1"))
                    .header("host", "docker")
                    .body(Empty::<Bytes>::new())?;
                let mut body = sender
                    .send_request(request)
                    .await?
                    .into_body()
                    .into_data_stream();
                while body.next().await.is_some() {}
                anyhow::Ok(())
            });
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (berth, engine) = measure_cpu(server, WINDOW).await;
    println!(
        "  {:<36} berth {berth:5.1} %, engine {engine:5.1} %  ({} streams)",
        "directly from the engine:",
        VIEWERS * CONTAINERS
    );
    readers.abort_all();
    Ok(true)
}
