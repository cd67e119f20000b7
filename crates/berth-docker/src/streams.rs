//! The engine's long-lived streams: events (which drive the live mirror), logs, and resource stats, each
//! turned into Berth's own item types so callers never see bollard.

use std::pin::Pin;

use berth_model::{StatsSample, StatsSource};
use bollard::container::LogOutput;
use bollard::models::{ContainerStatsResponse, EventMessageTypeEnum};
use bollard::query_parameters::{EventsOptionsBuilder, LogsOptionsBuilder, StatsOptionsBuilder};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::{DockerError, EngineClient};

pub type ItemStream<T> = Pin<Box<dyn Stream<Item = Result<T, DockerError>> + Send>>;

/// Which kind of object an engine event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventScope {
    Container,
    Image,
    Volume,
    Network,
    Service,
    Node,
    Secret,
    Config,
    Other,
}

/// One engine event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    pub scope: EventScope,
    /// e.g. `start`, `die`, `health_status: healthy`, `destroy`.
    pub action: String,
    pub actor_id: String,
    pub time_nanos: i64,
}

/// Which lines of a container's log to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub follow: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Unix seconds.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub timestamps: bool,
    /// Lines from the end; all when `None`.
    pub tail: Option<u64>,
}

/// Which output a log chunk came from. TTY containers have one combined stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
    Console,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    pub stream: LogStream,
    pub bytes: Bytes,
}

impl EngineClient {
    /// The engine's event stream, from `since` (Unix seconds) when given, so events during a sync are not lost.
    pub fn events(&self, since: Option<i64>) -> ItemStream<EngineEvent> {
        let mut options = EventsOptionsBuilder::default();
        let since = since.map(|since| since.to_string());
        if let Some(since) = &since {
            options = options.since(since);
        }
        let stream = self.docker.events(Some(options.build())).map(|event| {
            let event = event?;
            let scope = match event.typ {
                Some(EventMessageTypeEnum::CONTAINER) => EventScope::Container,
                Some(EventMessageTypeEnum::IMAGE) => EventScope::Image,
                Some(EventMessageTypeEnum::VOLUME) => EventScope::Volume,
                Some(EventMessageTypeEnum::NETWORK) => EventScope::Network,
                Some(EventMessageTypeEnum::SERVICE) => EventScope::Service,
                Some(EventMessageTypeEnum::NODE) => EventScope::Node,
                Some(EventMessageTypeEnum::SECRET) => EventScope::Secret,
                Some(EventMessageTypeEnum::CONFIG) => EventScope::Config,
                _ => EventScope::Other,
            };
            Ok(EngineEvent {
                scope,
                action: event.action.unwrap_or_default(),
                actor_id: event.actor.and_then(|actor| actor.id).unwrap_or_default(),
                time_nanos: event
                    .time_nano
                    .or(event.time.map(|seconds| seconds * 1_000_000_000))
                    .unwrap_or_default(),
            })
        });
        Box::pin(stream)
    }

    /// A container's log, demultiplexed into stdout and stderr (or one console stream for TTYs).
    pub fn logs(&self, id: &str, query: &LogQuery) -> ItemStream<LogChunk> {
        let mut options = LogsOptionsBuilder::default()
            .follow(query.follow)
            .stdout(query.stdout)
            .stderr(query.stderr)
            .timestamps(query.timestamps);
        if let Some(since) = query.since {
            options = options.since(clamp_seconds(since));
        }
        if let Some(until) = query.until {
            options = options.until(clamp_seconds(until));
        }
        let tail = query.tail.map(|tail| tail.to_string());
        options = options.tail(tail.as_deref().unwrap_or("all"));
        let stream = self
            .docker
            .logs(id, Some(options.build()))
            .filter_map(|chunk| async {
                match chunk {
                    Ok(LogOutput::StdOut { message }) => Some(Ok(LogChunk {
                        stream: LogStream::Stdout,
                        bytes: message,
                    })),
                    Ok(LogOutput::StdErr { message }) => Some(Ok(LogChunk {
                        stream: LogStream::Stderr,
                        bytes: message,
                    })),
                    Ok(LogOutput::Console { message }) => Some(Ok(LogChunk {
                        stream: LogStream::Console,
                        bytes: message,
                    })),
                    Ok(LogOutput::StdIn { .. }) => None,
                    Err(error) => Some(Err(error.into())),
                }
            });
        Box::pin(stream)
    }

    /// The engine's once-a-second stats for a container, as samples computed the way `docker stats` does.
    pub fn stats(&self, id: &str) -> ItemStream<StatsSample> {
        let options = StatsOptionsBuilder::default().stream(true).build();
        let stream = self
            .docker
            .stats(id, Some(options))
            .map(|response| Ok(sample_from_engine(&response?)));
        Box::pin(stream)
    }
}

fn clamp_seconds(seconds: i64) -> i32 {
    seconds.clamp(0, i64::from(i32::MAX)) as i32
}

fn sample_from_engine(response: &ContainerStatsResponse) -> StatsSample {
    let cpu = response.cpu_stats.as_ref();
    let previous = response.precpu_stats.as_ref();
    let total = |stats: Option<&bollard::models::ContainerCpuStats>| {
        stats
            .and_then(|stats| stats.cpu_usage.as_ref())
            .and_then(|usage| usage.total_usage)
            .unwrap_or(0)
    };
    let system = |stats: Option<&bollard::models::ContainerCpuStats>| {
        stats.and_then(|stats| stats.system_cpu_usage).unwrap_or(0)
    };
    let online_cpus = cpu
        .and_then(|stats| stats.online_cpus)
        .filter(|cpus| *cpus > 0)
        .or_else(|| {
            cpu.and_then(|stats| stats.cpu_usage.as_ref())
                .and_then(|usage| usage.percpu_usage.as_ref())
                .map(|per_cpu| per_cpu.len() as u32)
        })
        .unwrap_or(1);
    let cpu_percent = cpu_percent(
        total(cpu).saturating_sub(total(previous)),
        system(cpu).saturating_sub(system(previous)),
        online_cpus,
    );
    let memory = response.memory_stats.as_ref();
    let usage = memory.and_then(|memory| memory.usage).unwrap_or(0);
    let stats = memory.and_then(|memory| memory.stats.as_ref());
    // cgroup v1 reports total_inactive_file, v2 inactive_file; `docker stats` subtracts whichever is there.
    let inactive = stats
        .and_then(|stats| {
            stats
                .get("total_inactive_file")
                .or(stats.get("inactive_file"))
        })
        .copied()
        .unwrap_or(0);
    let (mut rx, mut tx) = (0, 0);
    for network in response
        .networks
        .iter()
        .flat_map(|networks| networks.values())
    {
        rx += network.rx_bytes.unwrap_or(0);
        tx += network.tx_bytes.unwrap_or(0);
    }
    let (mut read, mut write) = (0, 0);
    let entries = response
        .blkio_stats
        .as_ref()
        .and_then(|blkio| blkio.io_service_bytes_recursive.as_ref());
    for entry in entries.into_iter().flatten() {
        match entry.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("read") => read += entry.value.unwrap_or(0),
            Some("write") => write += entry.value.unwrap_or(0),
            _ => {}
        }
    }
    StatsSample {
        read_at_ms: now_ms(),
        cpu_percent,
        online_cpus,
        memory_usage: usage,
        memory_usage_without_cache: if inactive < usage {
            usage - inactive
        } else {
            usage
        },
        memory_limit: memory.and_then(|memory| memory.limit).unwrap_or(0),
        network_rx_bytes: rx,
        network_tx_bytes: tx,
        block_read_bytes: read,
        block_write_bytes: write,
        pids: response
            .pids_stats
            .as_ref()
            .and_then(|pids| pids.current)
            .unwrap_or(0),
        source: StatsSource::Engine,
    }
}

/// `docker stats`'s CPU figure: the container's share of all CPU time, scaled by the number of CPUs.
pub fn cpu_percent(container_delta: u64, system_delta: u64, online_cpus: u32) -> f64 {
    if system_delta == 0 {
        return 0.0;
    }
    container_delta as f64 / system_delta as f64 * f64::from(online_cpus) * 100.0
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::cpu_percent;

    #[test]
    fn cpu_percent_matches_docker_stats() {
        assert_eq!(cpu_percent(0, 0, 4), 0.0);
        assert!((cpu_percent(50, 100, 2) - 100.0).abs() < 1e-9);
        assert!((cpu_percent(25, 1000, 4) - 10.0).abs() < 1e-9);
    }
}
