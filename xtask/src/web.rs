//! The web app's tasks: install its packages (`npm ci`), generate its API types from the server's OpenAPI
//! document, build it into `web/dist` (which the server embeds), and run its unit and browser tests.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

fn web_dir() -> PathBuf {
    crate::workspace_root().join("web")
}

fn npm(args: &[&str]) -> anyhow::Result<()> {
    println!("$ npm {} (in web/)", args.join(" "));
    let status = Command::new("npm")
        .args(args)
        .current_dir(web_dir())
        .status()
        .context("running npm (is Node.js installed?)")?;
    if !status.success() {
        bail!("npm {} failed ({status})", args.join(" "));
    }
    Ok(())
}

pub fn build() -> anyhow::Result<()> {
    npm(&["ci", "--no-audit", "--no-fund"])?;
    // Debug builds of the server read web/dist from disk at run time, but only if it existed when they were
    // compiled; make sure it does before the first build.
    std::fs::create_dir_all(web_dir().join("dist"))?;
    // The OpenAPI document comes from the server's own routes, through the binary.
    crate::cargo(&["build", "--package", "berth"])?;
    let document = Command::new(crate::workspace_root().join("target/debug/berth"))
        .arg("openapi")
        .output()
        .context("running berth openapi")?;
    if !document.status.success() {
        bail!(
            "berth openapi failed: {}",
            String::from_utf8_lossy(&document.stderr)
        );
    }
    std::fs::write(
        crate::workspace_root().join("target/openapi.json"),
        &document.stdout,
    )?;
    npm(&["run", "api-types"])?;
    npm(&["run", "build"])?;
    // Release builds embed the files; make cargo expand the embedding again so it picks up new names.
    let ui = crate::workspace_root().join("crates/berth-server/src/ui.rs");
    std::fs::File::options()
        .append(true)
        .open(&ui)?
        .set_modified(std::time::SystemTime::now())?;
    Ok(())
}

/// Vitest; returns (passed, failed).
pub fn unit_tests() -> anyhow::Result<(u64, u64)> {
    let output = Command::new("npm")
        .args([
            "run",
            "test",
            "--",
            "--reporter=json",
            "--outputFile=test-results/unit.json",
        ])
        .current_dir(web_dir())
        .status()
        .context("running vitest")?;
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        web_dir().join("test-results/unit.json"),
    )?)?;
    let passed = report["numPassedTests"].as_u64().unwrap_or(0);
    let failed = report["numFailedTests"].as_u64().unwrap_or(0);
    println!("web unit tests: {passed} passed, {failed} failed");
    if !output.success() {
        bail!("web unit tests failed");
    }
    Ok((passed, failed))
}

/// The browser tests (Playwright driving Debian's Chromium against the real binary); returns (passed, failed).
pub fn end_to_end() -> anyhow::Result<(u64, u64)> {
    let binary = crate::workspace_root().join("target/debug/berth");
    let status = Command::new("node")
        .arg("e2e/run.mjs")
        .env("BERTH_BIN", &binary)
        .current_dir(web_dir())
        .status()
        .context("running the browser tests")?;
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        web_dir().join("test-results/e2e.json"),
    )?)?;
    let passed = report["passed"].as_u64().unwrap_or(0);
    let failed = report["failed"].as_u64().unwrap_or(0);
    if !status.success() {
        bail!("browser tests failed: {passed} passed, {failed} failed");
    }
    Ok((passed, failed))
}
