//! Berth's developer tasks, run as `cargo xtask <task>`: set up the engine the tests need, run CI, run the
//! server against the local engine, and benchmark. Plain Rust instead of shell scripts, so it is tested and
//! works the same everywhere.

mod bench;
mod engine;
mod tidy;

use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci           install what the tests need, start the engine, then fmt, clippy and every test
  engine       install Docker and busybox if missing, start dockerd if no engine answers, build the test image
  run [ARGS]   set up the engine, then run `berth server` against it (extra ARGS go to the server)
  bench        measure the gateway against the raw engine, idle memory and start-up time (release build)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("engine") => engine::prepare(),
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
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    test_summarised(&["test", "--workspace", "--no-fail-fast"])
}

/// Runs `cargo test`, passing its output through, and ends with one line totalling every test binary,
/// `N passed, N failed`, since cargo's own last line only speaks of the last binary.
fn test_summarised(args: &[&str]) -> anyhow::Result<()> {
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
    println!("{passed} passed, {failed} failed");
    if !status.success() {
        bail!("cargo test failed ({status})");
    }
    Ok(())
}

fn run(server_args: &[String]) -> anyhow::Result<()> {
    engine::prepare()?;
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
