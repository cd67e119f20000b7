//! Container stats read straight from the kernel (cgroup v1 or v2, plus the container's network counters in
//! /proc), for engines on this machine: it costs the engine nothing, where its stats API samples each
//! container once a second for every open stream.

use std::path::{Path, PathBuf};

use berth_model::{StatsSample, StatsSource};

use crate::streams::{cpu_percent, now_ms};

/// Where a container's cgroup files live.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// One directory per controller.
    V1 {
        cpuacct: PathBuf,
        memory: PathBuf,
        blkio: PathBuf,
        pids: PathBuf,
    },
    /// One unified directory.
    V2 { dir: PathBuf },
}

/// Reads one container's resource use from its cgroup. Keeps the previous CPU reading for the delta.
#[derive(Debug)]
pub struct CgroupReader {
    layout: Layout,
    proc_root: PathBuf,
    pid: i64,
    previous_cpu: Option<(u64, u64)>,
}

impl CgroupReader {
    /// Finds the cgroup of process `pid` on this machine, if its files are readable here.
    pub fn locate(pid: i64) -> Option<CgroupReader> {
        CgroupReader::locate_in(Path::new("/proc"), Path::new("/sys/fs/cgroup"), pid)
    }

    /// As `locate`, with other roots (for tests).
    pub fn locate_in(proc_root: &Path, cgroup_root: &Path, pid: i64) -> Option<CgroupReader> {
        let membership =
            std::fs::read_to_string(proc_root.join(pid.to_string()).join("cgroup")).ok()?;
        let mut v1 = std::collections::HashMap::new();
        let mut unified = None;
        for line in membership.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(_), Some(controllers), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let path = path.trim_start_matches('/');
            if controllers.is_empty() {
                unified = Some(path.to_string());
            }
            for controller in controllers.split(',') {
                v1.insert(controller.to_string(), path.to_string());
            }
        }
        let layout = if cgroup_root.join("memory").is_dir() {
            let dir =
                |controller: &str| Some(cgroup_root.join(controller).join(v1.get(controller)?));
            Layout::V1 {
                cpuacct: dir("cpuacct")?,
                memory: dir("memory")?,
                blkio: dir("blkio")?,
                pids: dir("pids")?,
            }
        } else {
            Layout::V2 {
                dir: cgroup_root.join(unified?),
            }
        };
        let reader = CgroupReader {
            layout,
            proc_root: proc_root.to_path_buf(),
            pid,
            previous_cpu: None,
        };
        reader.read_cpu_ns().ok()?;
        Some(reader)
    }

    /// One sample. The first has 0 % CPU: a rate needs two readings.
    pub fn sample(&mut self) -> std::io::Result<StatsSample> {
        let container_ns = self.read_cpu_ns()?;
        let (system_ns, online_cpus) = system_cpu(&self.proc_root)?;
        let cpu = match self.previous_cpu {
            Some((previous_container, previous_system)) => cpu_percent(
                container_ns.saturating_sub(previous_container),
                system_ns.saturating_sub(previous_system),
                online_cpus,
            ),
            None => 0.0,
        };
        self.previous_cpu = Some((container_ns, system_ns));
        let host_memory = host_memory(&self.proc_root);
        let (usage, limit, inactive, block, pids) = match &self.layout {
            Layout::V1 {
                memory,
                blkio,
                pids,
                ..
            } => (
                read_number(&memory.join("memory.usage_in_bytes"))?,
                read_number(&memory.join("memory.limit_in_bytes"))?,
                stat_value(&memory.join("memory.stat"), "total_inactive_file"),
                blkio_v1(blkio),
                read_number(&pids.join("pids.current")).unwrap_or(0),
            ),
            Layout::V2 { dir } => (
                read_number(&dir.join("memory.current"))?,
                read_number(&dir.join("memory.max")).unwrap_or(u64::MAX),
                stat_value(&dir.join("memory.stat"), "inactive_file"),
                io_v2(&dir.join("io.stat")),
                read_number(&dir.join("pids.current")).unwrap_or(0),
            ),
        };
        let (rx, tx) = network(&self.proc_root, self.pid);
        Ok(StatsSample {
            read_at_ms: now_ms(),
            cpu_percent: cpu,
            online_cpus,
            memory_usage: usage,
            memory_usage_without_cache: if inactive < usage {
                usage - inactive
            } else {
                usage
            },
            // An unlimited cgroup reports a huge number (v1) or "max" (v2); show the machine's memory instead.
            memory_limit: if host_memory > 0 {
                limit.min(host_memory)
            } else {
                limit
            },
            network_rx_bytes: rx,
            network_tx_bytes: tx,
            block_read_bytes: block.0,
            block_write_bytes: block.1,
            pids,
            source: StatsSource::Cgroup,
        })
    }

    fn read_cpu_ns(&self) -> std::io::Result<u64> {
        match &self.layout {
            Layout::V1 { cpuacct, .. } => read_number(&cpuacct.join("cpuacct.usage")),
            Layout::V2 { dir } => {
                let micros = stat_value(&dir.join("cpu.stat"), "usage_usec");
                if micros == 0 && !dir.join("cpu.stat").exists() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "cpu.stat",
                    ));
                }
                Ok(micros * 1000)
            }
        }
    }
}

fn read_number(path: &Path) -> std::io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    let text = text.trim();
    if text == "max" {
        return Ok(u64::MAX);
    }
    text.parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {text:?}", path.display()),
        )
    })
}

/// A `key value` line from a stat file, 0 when absent.
fn stat_value(path: &Path, key: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(' ')?;
            (name == key).then(|| value.trim().parse().ok()).flatten()
        })
        .unwrap_or(0)
}

/// Total CPU time of the machine in nanoseconds, and the number of CPUs, from /proc/stat.
fn system_cpu(proc_root: &Path) -> std::io::Result<(u64, u32)> {
    let text = std::fs::read_to_string(proc_root.join("stat"))?;
    let mut total_ticks = 0u64;
    let mut cpus = 0u32;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("cpu ") {
            // user nice system idle iowait irq softirq steal, as docker counts them.
            total_ticks = rest
                .split_whitespace()
                .take(8)
                .filter_map(|value| value.parse::<u64>().ok())
                .sum();
        } else if line.starts_with("cpu") {
            cpus += 1;
        }
    }
    // The kernel reports USER_HZ ticks, 100 a second on Linux.
    Ok((total_ticks * 10_000_000, cpus.max(1)))
}

fn host_memory(proc_root: &Path) -> u64 {
    std::fs::read_to_string(proc_root.join("meminfo"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let kilobytes = line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?;
            kilobytes.trim().parse::<u64>().ok()
        })
        .map(|kilobytes| kilobytes * 1024)
        .unwrap_or(0)
}

fn blkio_v1(dir: &Path) -> (u64, u64) {
    let text = std::fs::read_to_string(dir.join("blkio.throttle.io_service_bytes_recursive"))
        .or_else(|_| std::fs::read_to_string(dir.join("blkio.throttle.io_service_bytes")))
        .unwrap_or_default();
    let (mut read, mut write) = (0, 0);
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let [_device, op, value] = fields[..] {
            let value: u64 = value.parse().unwrap_or(0);
            match op {
                "Read" => read += value,
                "Write" => write += value,
                _ => {}
            }
        }
    }
    (read, write)
}

fn io_v2(path: &Path) -> (u64, u64) {
    let (mut read, mut write) = (0, 0);
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        for field in line.split_whitespace().skip(1) {
            match field.split_once('=') {
                Some(("rbytes", value)) => read += value.parse::<u64>().unwrap_or(0),
                Some(("wbytes", value)) => write += value.parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    (read, write)
}

/// Bytes received and sent on every interface but loopback, in the container's network namespace.
fn network(proc_root: &Path, pid: i64) -> (u64, u64) {
    let text = std::fs::read_to_string(proc_root.join(pid.to_string()).join("net/dev"))
        .unwrap_or_default();
    let (mut rx, mut tx) = (0, 0);
    for line in text.lines().skip(2) {
        let Some((interface, counters)) = line.split_once(':') else {
            continue;
        };
        if interface.trim() == "lo" {
            continue;
        }
        let counters: Vec<u64> = counters
            .split_whitespace()
            .filter_map(|value| value.parse().ok())
            .collect();
        if counters.len() >= 9 {
            rx += counters[0];
            tx += counters[8];
        }
    }
    (rx, tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn proc_files(proc_root: &Path, membership: &str) {
        write(&proc_root.join("42/cgroup"), membership);
        write(
            &proc_root.join("stat"),
            "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0\ncpu1 50 0 50 400 0 0 0 0\n",
        );
        write(&proc_root.join("meminfo"), "MemTotal:        1024 kB\n");
        write(
            &proc_root.join("42/net/dev"),
            "Inter-|   Receive\n face |bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 300 2 0 0 0 0 0 0 700 3 0 0 0 0 0 0\n",
        );
    }

    #[test]
    fn reads_cgroup_v1() {
        let root = tempfile::tempdir().unwrap();
        let (proc_root, cgroup) = (root.path().join("proc"), root.path().join("cgroup"));
        proc_files(
            &proc_root,
            "4:memory:/docker/abc\n2:cpuacct,cpu:/docker/abc\n7:blkio:/docker/abc\n8:pids:/docker/abc\n0::/docker/abc\n",
        );
        write(
            &cgroup.join("cpuacct/docker/abc/cpuacct.usage"),
            "1000000000\n",
        );
        write(
            &cgroup.join("memory/docker/abc/memory.usage_in_bytes"),
            "5000\n",
        );
        write(
            &cgroup.join("memory/docker/abc/memory.limit_in_bytes"),
            "9223372036854771712\n",
        );
        write(
            &cgroup.join("memory/docker/abc/memory.stat"),
            "cache 10\ntotal_inactive_file 1000\n",
        );
        write(
            &cgroup.join("blkio/docker/abc/blkio.throttle.io_service_bytes_recursive"),
            "8:0 Read 11\n8:0 Write 22\n8:0 Total 33\nTotal 33\n",
        );
        write(&cgroup.join("pids/docker/abc/pids.current"), "3\n");
        let mut reader = CgroupReader::locate_in(&proc_root, &cgroup, 42).expect("located");
        let first = reader.sample().unwrap();
        assert_eq!(first.cpu_percent, 0.0);
        assert_eq!(
            (
                first.memory_usage,
                first.memory_usage_without_cache,
                first.memory_limit
            ),
            (5000, 4000, 1024 * 1024)
        );
        assert_eq!(
            (first.block_read_bytes, first.block_write_bytes, first.pids),
            (11, 22, 3)
        );
        assert_eq!((first.network_rx_bytes, first.network_tx_bytes), (300, 700));
        assert_eq!(first.online_cpus, 2);
        // 0.5 s of container CPU over 1 s of machine time (100 ticks) on 2 CPUs: 100 %.
        write(
            &cgroup.join("cpuacct/docker/abc/cpuacct.usage"),
            "1500000000\n",
        );
        write(
            &proc_root.join("stat"),
            "cpu  150 0 150 800 0 0 0 0 0 0\ncpu0 0\ncpu1 0\n",
        );
        let second = reader.sample().unwrap();
        assert!(
            (second.cpu_percent - 100.0).abs() < 1e-6,
            "{}",
            second.cpu_percent
        );
        assert_eq!(second.source, StatsSource::Cgroup);
    }

    #[test]
    fn reads_cgroup_v2() {
        let root = tempfile::tempdir().unwrap();
        let (proc_root, cgroup) = (root.path().join("proc"), root.path().join("cgroup"));
        proc_files(&proc_root, "0::/system.slice/docker-abc.scope\n");
        let dir = cgroup.join("system.slice/docker-abc.scope");
        write(&dir.join("cpu.stat"), "usage_usec 2000\nuser_usec 1000\n");
        write(&dir.join("memory.current"), "8000\n");
        write(&dir.join("memory.max"), "max\n");
        write(&dir.join("memory.stat"), "anon 1\ninactive_file 500\n");
        write(
            &dir.join("io.stat"),
            "8:0 rbytes=10 wbytes=20 rios=1 wios=2\n8:16 rbytes=5 wbytes=5\n",
        );
        write(&dir.join("pids.current"), "7\n");
        let mut reader = CgroupReader::locate_in(&proc_root, &cgroup, 42).expect("located");
        let sample = reader.sample().unwrap();
        assert_eq!(
            (
                sample.memory_usage,
                sample.memory_usage_without_cache,
                sample.memory_limit
            ),
            (8000, 7500, 1024 * 1024)
        );
        assert_eq!(
            (
                sample.block_read_bytes,
                sample.block_write_bytes,
                sample.pids
            ),
            (15, 25, 7)
        );
    }

    #[test]
    fn missing_cgroups_are_not_found() {
        let root = tempfile::tempdir().unwrap();
        assert!(CgroupReader::locate_in(&root.path().join("proc"), root.path(), 42).is_none());
    }
}
