//! Makes sure a real Docker Engine answers on this machine: installs Debian's `docker.io`, `busybox-static`
//! `chromium` (for the web app's browser tests) and `docker-registry` (for pull tests) when missing, starts `dockerd` when nothing answers, waits for it, and builds the test image.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use berth_testkit::{DOCKER_SOCKET, docker, ensure_test_image};

const PACKAGES: &[(&str, &str)] = &[
    ("docker.io", "/usr/sbin/dockerd"),
    ("busybox-static", "/bin/busybox"),
    ("chromium", "/usr/bin/chromium"),
    ("docker-registry", "/usr/bin/docker-registry"),
];

pub fn prepare() -> anyhow::Result<()> {
    install_missing_packages()?;
    if !engine_answers() {
        start_dockerd()?;
    }
    ensure_test_image()?;
    println!(
        "engine ready; test image {} present",
        berth_testkit::TEST_IMAGE
    );
    Ok(())
}

fn engine_answers() -> bool {
    docker(&["version", "--format", "{{.Server.Version}}"])
        .map(|output| output.status.success())
        .unwrap_or(false)
}

fn install_missing_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    // The docker CLI comes with docker.io; some machines ship another one already.
    let cli_missing = Command::new("docker").arg("--version").output().is_err();
    let mut packages = missing;
    if cli_missing && !packages.contains(&"docker.io") {
        packages.push("docker.io");
    }
    if packages.is_empty() {
        return Ok(());
    }
    println!("installing {} from Debian", packages.join(", "));
    let apt = |args: &[&str]| -> anyhow::Result<()> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get (are you root?)")?;
        if !status.success() {
            bail!("apt-get {} failed ({status})", args.join(" "));
        }
        Ok(())
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(&packages);
    apt(&install)
}

fn start_dockerd() -> anyhow::Result<()> {
    let log_path = crate::workspace_root().join("target").join("dockerd.log");
    std::fs::create_dir_all(log_path.parent().expect("target dir"))?;
    let log = std::fs::File::create(&log_path)?;
    println!("starting dockerd (log: {})", log_path.display());
    // Left running on purpose: the tests and `berth server` need it after this task ends.
    Command::new("dockerd")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting dockerd (are you root?)")?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if Path::new(DOCKER_SOCKET).exists() && engine_answers() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    bail!(
        "dockerd did not answer within 60 s; see {}",
        log_path.display()
    )
}
