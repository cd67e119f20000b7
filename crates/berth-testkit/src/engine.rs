//! The real Docker Engine fixture: checks it answers, builds the test image without any registry (a
//! busybox-static root filesystem, `docker import`ed), and runs the docker CLI directly or through Berth.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, bail};

/// The image every engine test uses; built locally by `ensure_test_image`.
pub const TEST_IMAGE: &str = "berth-test/busybox:latest";

pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// Applets linked in the test image; enough for shells, loops, logs and file copies.
const APPLETS: &[&str] = &[
    "sh", "echo", "sleep", "cat", "ls", "id", "env", "true", "false", "ps", "wc", "head", "tail",
    "tty", "stty", "printf", "seq", "mkdir", "rm", "touch", "date", "hostname", "yes", "grep",
];

/// Runs the docker CLI against the local engine directly.
pub fn docker(args: &[&str]) -> anyhow::Result<Output> {
    Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", format!("unix://{DOCKER_SOCKET}"))
        .env_remove("DOCKER_CONFIG")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running docker {}", args.join(" ")))
}

/// Force-removes every container carrying `label` (a key, or `key=value`), straight on the engine; for
/// tests cleaning up after themselves.
pub fn remove_labelled_containers(label: &str) {
    let Ok(output) = docker(&["ps", "-aq", "--filter", &format!("label={label}")]) else {
        return;
    };
    let listed = String::from_utf8_lossy(&output.stdout).to_string();
    let ids: Vec<&str> = listed.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(ids);
        let _ = docker(&args);
    }
}

/// A docker CLI command pointed at Berth's gateway for `environment_id`, authenticated with `api_key`.
/// The CLI reads the key from a config dir, as a user would set it up (`HttpHeaders`).
pub fn docker_via(
    config_dir: &Path,
    base_url: &str,
    environment_id: i64,
    api_key: &str,
) -> Command {
    std::fs::create_dir_all(config_dir).expect("creating the docker config dir");
    let config = serde_json::json!({ "HttpHeaders": { "X-API-Key": api_key } });
    std::fs::write(config_dir.join("config.json"), config.to_string())
        .expect("writing the docker config");
    let host = base_url.replace("http://", "tcp://");
    let mut command = Command::new("docker");
    command
        .env(
            "DOCKER_HOST",
            format!("{host}/api/environments/{environment_id}/docker"),
        )
        .env("DOCKER_CONFIG", config_dir)
        .env("DOCKER_CLI_HINTS", "false")
        .env_remove("DOCKER_TLS_VERIFY")
        .stdin(Stdio::null());
    command
}

/// Fails with instructions when no engine answers, rather than letting each test fail obscurely.
pub fn require_engine() {
    let answered = docker(&["version", "--format", "{{.Server.APIVersion}}"])
        .map(|output| output.status.success())
        .unwrap_or(false);
    assert!(
        answered,
        "no Docker Engine answers on {DOCKER_SOCKET}; run `cargo xtask ci` (or start dockerd) first"
    );
    let image = docker(&["image", "inspect", TEST_IMAGE])
        .map(|output| output.status.success())
        .unwrap_or(false);
    assert!(
        image,
        "the test image {TEST_IMAGE} is missing; run `cargo xtask test-image` first"
    );
}

/// Builds `TEST_IMAGE` from the host's busybox-static if it is not there yet.
pub fn ensure_test_image() -> anyhow::Result<()> {
    if docker(&["image", "inspect", TEST_IMAGE])?.status.success() {
        return Ok(());
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .context("busybox is not installed (apt-get install busybox-static)")?;
    let root = tempfile::tempdir()?;
    for dir in ["bin", "tmp", "etc", "root"] {
        std::fs::create_dir_all(root.path().join(dir))?;
    }
    std::fs::copy(busybox, root.path().join("bin/busybox"))?;
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", root.path().join("bin").join(applet))?;
    }
    std::fs::write(
        root.path().join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\n",
    )?;
    std::fs::write(root.path().join("etc/group"), "root:x:0:\n")?;
    let tar = Command::new("tar")
        .args(["-C"])
        .arg(root.path())
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .context("running tar")?;
    let import = Command::new("docker")
        .args([
            "import",
            "-c",
            "CMD [\"/bin/sh\"]",
            "-c",
            "ENV PATH=/bin",
            "-",
            TEST_IMAGE,
        ])
        .env("DOCKER_HOST", format!("unix://{DOCKER_SOCKET}"))
        .stdin(tar.stdout.context("tar's output")?)
        .output()
        .context("running docker import")?;
    if !import.status.success() {
        bail!(
            "docker import failed: {}",
            String::from_utf8_lossy(&import.stderr)
        );
    }
    Ok(())
}

/// A name no other test (or test run) uses, for containers, images and users.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
