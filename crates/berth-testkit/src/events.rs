//! Reading Berth's server-sent event streams (the change feed, stats) in tests: each `data:` line parsed as
//! JSON and stamped with when it arrived.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc;

/// A received event and when it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub value: Value,
    pub at: Instant,
    pub at_unix_nanos: i64,
}

/// The events of one open stream, in order.
pub struct EventStream {
    receiver: mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

impl EventStream {
    /// Opens `url` with `token` and starts collecting events.
    pub async fn open(client: &reqwest::Client, url: &str, token: &str) -> EventStream {
        let response = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("opening the stream");
        assert_eq!(response.status(), 200, "opening {url}");
        let (sender, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut body = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find('\n') {
                    let line: String = buffer.drain(..=end).collect();
                    if let Some(data) = line.trim_end().strip_prefix("data: ")
                        && let Ok(value) = serde_json::from_str(data)
                    {
                        let at_unix_nanos = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|elapsed| elapsed.as_nanos() as i64)
                            .unwrap_or_default();
                        if sender
                            .send(Received {
                                value,
                                at: Instant::now(),
                                at_unix_nanos,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        EventStream { receiver, task }
    }

    /// The next event, or `None` after `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Received> {
        tokio::time::timeout(within, self.receiver.recv())
            .await
            .ok()
            .flatten()
    }

    /// Waits for an event matching `predicate`, returning it and everything received before it.
    pub async fn wait_for(
        &mut self,
        within: Duration,
        predicate: impl Fn(&Value) -> bool,
    ) -> (Received, Vec<Received>) {
        let deadline = Instant::now() + within;
        let mut skipped = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Some(event) = self.next(remaining).await else {
                panic!(
                    "no matching event within {within:?}; received {:?}",
                    skipped
                        .iter()
                        .map(|r: &Received| &r.value)
                        .collect::<Vec<_>>()
                );
            };
            if predicate(&event.value) {
                return (event, skipped);
            }
            skipped.push(event);
        }
    }

    /// Everything that arrives within `window`.
    pub async fn collect_for(&mut self, window: Duration) -> Vec<Received> {
        let deadline = Instant::now() + window;
        let mut received = Vec::new();
        while let Some(event) = self
            .next(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            received.push(event);
        }
        received
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}
