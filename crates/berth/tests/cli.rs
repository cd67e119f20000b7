//! The command line: version, and one-line errors with exit code 2 for everything the operator must fix.

use std::process::Command;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

fn run(args: &[&str]) -> (i32, String) {
    let output = Command::new(BERTH)
        .args(args)
        .env_remove("DOCKER_HOST")
        .output()
        .expect("running berth");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (output.status.code().unwrap_or(-1), stderr)
}

/// `berth server` on `data` with HTTPS off and an ephemeral HTTP port, plus `extra`.
fn server_args<'a>(data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "server",
        "--data-dir",
        data,
        "--https-listen",
        "off",
        "--http-listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    args
}

fn assert_usage_error(args: &[&str], expected: &str) {
    let (code, stderr) = run(args);
    assert_eq!(code, 2, "{args:?} exited {code}: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
}

#[test]
fn prints_its_version() {
    let output = Command::new(BERTH).arg("--version").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("berth {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_flags_exit_2() {
    assert_usage_error(&["server", "--no-such-flag"], "unexpected argument");
    assert_usage_error(&["server", "--http-listen", "nowhere"], "is not an address");
    assert_usage_error(&["server", "--log-format", "xml"], "invalid value");
    assert_usage_error(&["server", "--password-min-length", "3"], "not in 8..=256");
}

#[test]
fn unusable_data_dir_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let file = file.to_str().unwrap();
    assert_usage_error(&server_args(file, &[]), "data dir");
    let nested = format!("{file}/below");
    let (code, stderr) = run(&server_args(&nested, &[]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn config_mistakes_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "short\n").unwrap();
    assert_usage_error(
        &server_args(data, &["--admin-password-file", short.to_str().unwrap()]),
        "at least 12 characters",
    );
    assert_usage_error(
        &server_args(data, &["--admin-password-file", "/nonexistent/password"]),
        "--admin-password-file",
    );
    assert_usage_error(
        &["server", "--data-dir", data, "--https-listen", "off"],
        "both listeners are off",
    );
    assert_usage_error(
        &server_args(data, &["--database-url", "mysql://root:hunter2@db/berth"]),
        "only sqlite",
    );
    let (_, stderr) = run(&server_args(
        data,
        &["--database-url", "mysql://root:hunter2@db/berth"],
    ));
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
    assert_usage_error(
        &server_args(data, &["--trusted-proxy", "10.0.0.0/99"]),
        "--trusted-proxy",
    );
}

#[test]
fn busy_port_exits_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    assert_usage_error(
        &[
            "server",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--https-listen",
            "off",
            "--http-listen",
            &address,
        ],
        "can't listen on",
    );
}
