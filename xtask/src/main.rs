//! Berth's developer tasks, run as `cargo xtask <task>`: set up the engine the tests need, run CI, run the
//! server against the local engine, and benchmark. Plain Rust instead of shell scripts, so it is tested and
//! works the same everywhere.

mod bench;
mod engine;
mod tidy;
mod web;

use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci           install what the tests need, start the engine, build the web app, then fmt, clippy, every
               Rust test, the web app's unit tests and its end-to-end tests in Chromium
  engine       install Docker, busybox and Chromium if missing, start dockerd if no engine answers, build
               the test image
  web          install the web app's packages, generate its API types and build it into web/dist
  run [ARGS]   set up the engine and the web app, then run `berth server` (extra ARGS go to the server)
  bench        measure the gateway against the raw engine, idle memory and start-up time (release build)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("engine") => engine::prepare(),
        Some("web") => web::build(),
        Some("run") => run(&args[1..]),
        Some("bench") => bench::run(),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command from the workspace root, failing if it fails.
pub fn cargo(args: &[&str]) -> anyhow::Result<()> {
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn ci() -> anyhow::Result<()> {
    engine::prepare()?;
    web::build()?;
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    let rust = test_summarised(&["test", "--workspace", "--no-fail-fast"]);
    let web_unit = web::unit_tests();
    let web_e2e = web::end_to_end();
    let (mut passed, mut failed) = (0, 0);
    for (p, f) in [&rust, &web_unit, &web_e2e].into_iter().flatten() {
        passed += p;
        failed += f;
    }
    // One closing line for everything, Rust and web alike.
    println!("{passed} passed, {failed} failed");
    rust?;
    web_unit?;
    web_e2e?;
    Ok(())
}

/// Runs `cargo test`, passing its output through, and totals every test binary's results.
fn test_summarised(args: &[&str]) -> anyhow::Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    println!("$ cargo {}", args.join(" "));
    let mut child = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(workspace_root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    let (mut passed, mut failed) = (0u64, 0u64);
    let stdout = child.stdout.take().context("cargo test's output")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(result) = line.strip_prefix("test result: ") {
            let count = |word: &str| {
                result
                    .split(';')
                    .find_map(|part| part.trim().strip_suffix(word))
                    .and_then(|number| {
                        number
                            .trim()
                            .trim_start_matches("ok.")
                            .trim_start_matches("FAILED.")
                            .trim()
                            .parse::<u64>()
                            .ok()
                    })
                    .unwrap_or(0)
            };
            passed += count(" passed");
            failed += count(" failed");
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo test failed ({status}): {passed} passed, {failed} failed");
    }
    Ok((passed, failed))
}

fn run(server_args: &[String]) -> anyhow::Result<()> {
    engine::prepare()?;
    web::build()?;
    let mut args = vec![
        "run",
        "--release",
        "--package",
        "berth",
        "--",
        "server",
        "--http-listen",
        "127.0.0.1:9000",
    ];
    args.extend(server_args.iter().map(String::as_str));
    cargo(&args)
}
