//! Web app figures: what the containers page transfers (JavaScript and CSS, gzip) and how long headless
//! Chromium takes from navigation to a usable list of 1,000 containers.

use std::process::Command;

use anyhow::{Context, bail};

use super::{Server, create_bench_containers, median, verdict};

/// Gzip size of every script and stylesheet `index.html` loads (the containers page loads no others).
pub(crate) fn bundle_size() -> anyhow::Result<bool> {
    let dist = crate::workspace_root().join("web/dist");
    let index = std::fs::read_to_string(dist.join("index.html"))
        .context("web/dist/index.html (run cargo xtask web)")?;
    let mut total = 0u64;
    for reference in index.split('"').filter(|part| {
        part.starts_with("/assets/") && (part.ends_with(".js") || part.ends_with(".css"))
    }) {
        let output = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(dist.join(reference.trim_start_matches('/')))
            .output()?;
        total += output.stdout.len() as u64;
    }
    let kilobytes = total as f64 / 1024.0;
    println!(
        "containers page JavaScript + CSS, gzip: {kilobytes:.0} KB  [target ≤ 350 KB: {}]",
        verdict(kilobytes <= 350.0)
    );
    Ok(kilobytes <= 350.0)
}

/// Median time from navigation to a usable list of 1,000 containers, in headless Chromium.
pub(crate) async fn time_to_list(server: &Server, key: &str) -> anyhow::Result<bool> {
    create_bench_containers(1000, &["true"]).await?;
    super::live::wait_for_mirror(server, key, 1000).await?;
    let output = Command::new("node")
        .arg("e2e/bench.mjs")
        .current_dir(crate::workspace_root().join("web"))
        .env("BASE_URL", &server.base_url)
        .env("USERNAME", "admin")
        .env("PASSWORD", super::PASSWORD)
        .env("EXPECTED", "1000")
        .output()
        .context("running the browser benchmark")?;
    if !output.status.success() {
        bail!(
            "browser benchmark failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let mut runs: Vec<f64> = report["runs_ms"]
        .as_array()
        .context("runs")?
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    let warm = median(&mut runs);
    let cold = report["cold_ms"].as_f64().unwrap_or_default();
    println!(
        "navigation to a usable list of 1,000 containers: first {cold:.0} ms, then median {warm:.0} ms  [target ≤ 1 s: {}]",
        verdict(cold.max(warm) <= 1000.0)
    );
    Ok(cold.max(warm) <= 1000.0)
}
