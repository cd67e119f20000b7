//! The real `berth server`, started in its own temporary data dir on a free port and stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// The password of the `admin` user that test servers create on first start.
pub const ADMIN_PASSWORD: &str = "test-admin-password";

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("binding an ephemeral port")
}

/// How to start a test server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Create `admin` with `ADMIN_PASSWORD` on first start.
    pub with_admin: bool,
    pub extra_args: Vec<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            with_admin: true,
            extra_args: Vec::new(),
        }
    }
}

/// A running `berth server`.
pub struct BerthServer {
    binary: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
    options: ServerOptions,
    pub port: u16,
    pub base_url: String,
    pub client: reqwest::Client,
}

impl BerthServer {
    /// Starts `binary` (the test's `env!("CARGO_BIN_EXE_berth")`) with an admin and waits until it answers.
    pub async fn start(binary: &str) -> BerthServer {
        BerthServer::start_with(binary, ServerOptions::default()).await
    }

    pub async fn start_with(binary: &str, options: ServerOptions) -> BerthServer {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let mut server = BerthServer {
            binary: PathBuf::from(binary),
            child: None,
            dir,
            options,
            port: 0,
            base_url: String::new(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("building the HTTP client"),
        };
        server.spawn().await.expect("starting berth server");
        server
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The command line this server runs with, for tests that start the binary themselves.
    pub fn command(&self, port: u16) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("server")
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--http-listen", &format!("127.0.0.1:{port}")])
            .args(["--log-level", "info,berth=debug"])
            .env_remove("DOCKER_HOST")
            .args(&self.options.extra_args);
        if !self
            .options
            .extra_args
            .iter()
            .any(|arg| arg == "--https-listen")
        {
            command.args(["--https-listen", "off"]);
        }
        if self.options.with_admin {
            let password_file = self.dir.path().join("admin-password");
            std::fs::write(&password_file, ADMIN_PASSWORD).expect("writing the password file");
            command.arg("--admin-password-file").arg(password_file);
        }
        command
    }

    /// Starts the server process (again, after `stop`) on a fresh port and waits for it to answer.
    pub async fn spawn(&mut self) -> anyhow::Result<()> {
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.log_path())?;
            let child = self
                .command(port)
                .stdout(log.try_clone()?)
                .stderr(log)
                .stdin(Stdio::null())
                .spawn()
                .context("spawning berth")?;
            self.child = Some(child);
            self.port = port;
            self.base_url = format!("http://127.0.0.1:{port}");
            if self.wait_until_ready(Duration::from_secs(20)).await {
                return Ok(());
            }
            // Another process may have taken the port between choosing and binding it: try another.
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        bail!("berth server did not start; log:\n{}", self.log())
    }

    async fn wait_until_ready(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(_)) = child.try_wait()
            {
                return false;
            }
            let status = self.client.get(self.url("/api/system/status")).send().await;
            if status.is_ok_and(|response| response.status().is_success()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    /// Sends `signal` (e.g. "TERM", "KILL") and waits for the process to exit.
    pub fn stop_with(&mut self, signal: &str) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status();
        child.wait().ok()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Signs in and returns the session token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login request");
        let status = response.status();
        let body: Value = response.json().await.expect("login body");
        assert!(status.is_success(), "login as {username} failed: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates an API key for the holder of `token` and returns the key.
    pub async fn api_key(&self, token: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/api/users/me/api-keys",
                token,
                Some(json!({ "name": crate::unique_name("key") })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["key"].as_str().expect("key").to_string()
    }

    /// One JSON call with a bearer token; returns the status and the JSON body (`Null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, self.url(path));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// Polls `GET path` until it answers 200 with a body for which `done` holds; panics after `within`.
    pub async fn eventually(
        &self,
        token: &str,
        path: &str,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (status, body) = self.call("GET", path, token, None).await;
            if status == 200 && done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never matched within {within:?}: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a user and returns their id.
    pub async fn create_user(
        &self,
        admin_token: &str,
        username: &str,
        role: &str,
        environment_ids: &[i64],
    ) -> i64 {
        let (status, body) = self
            .call(
                "POST",
                "/api/users",
                admin_token,
                Some(json!({ "username": username, "password": ADMIN_PASSWORD, "role": role, "environment_ids": environment_ids })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().expect("id")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for BerthServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
