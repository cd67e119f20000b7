// Live stats: CPU, memory, network and block I/O, a sample a second, with small charts of the last minute.
import { Card, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { formatBytes } from "../format";

interface Sample {
  read_at_ms: number;
  cpu_percent: number;
  online_cpus: number;
  memory_usage: number;
  memory_usage_without_cache: number;
  memory_limit: number;
  network_rx_bytes: number;
  network_tx_bytes: number;
  block_read_bytes: number;
  block_write_bytes: number;
  pids: number;
  source: string;
}

const WINDOW = 60;

export function StatsView({ environmentId, containerId, running }: { environmentId: number; containerId: string; running: boolean }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => {
    if (!running) return;
    const source = new EventSource(`/api/environments/${environmentId}/containers/${encodeURIComponent(containerId)}/stats`);
    source.onmessage = (message) => setSamples((current) => [...current, JSON.parse(message.data) as Sample].slice(-WINDOW));
    return () => source.close();
  }, [environmentId, containerId, running]);
  if (!running) return <Text c="dimmed">Stats are shown while the container runs.</Text>;
  const last = samples[samples.length - 1];
  if (!last) return <Text c="dimmed">Waiting for the first sample…</Text>;
  const rate = (pick: (s: Sample) => number) => samples.slice(1).map((s, i) => Math.max(0, (pick(s) - pick(samples[i])) / ((s.read_at_ms - samples[i].read_at_ms) / 1000 || 1)));
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Chart title="CPU" value={`${last.cpu_percent.toFixed(1)} %`} detail={`${last.online_cpus} CPUs · ${last.pids} processes`} points={samples.map((s) => s.cpu_percent)} testId="stats-cpu" />
        <Chart title="Memory" value={formatBytes(last.memory_usage_without_cache)} detail={`of ${formatBytes(last.memory_limit)} (${formatBytes(last.memory_usage)} with cache)`} points={samples.map((s) => s.memory_usage_without_cache)} />
        <Chart title="Network" value={`↓ ${formatBytes(rate((s) => s.network_rx_bytes).at(-1) ?? 0)}/s ↑ ${formatBytes(rate((s) => s.network_tx_bytes).at(-1) ?? 0)}/s`} detail={`${formatBytes(last.network_rx_bytes)} in, ${formatBytes(last.network_tx_bytes)} out`} points={rate((s) => s.network_rx_bytes + s.network_tx_bytes)} />
        <Chart title="Block I/O" value={`${formatBytes(last.block_read_bytes)} read`} detail={`${formatBytes(last.block_write_bytes)} written`} points={rate((s) => s.block_read_bytes + s.block_write_bytes)} />
      </SimpleGrid>
      <Text size="xs" c="dimmed">Read from {last.source === "cgroup" ? "the kernel's cgroup files" : "the engine's stats API"}.</Text>
    </Stack>
  );
}

function Chart({ title, value, detail, points, testId }: { title: string; value: string; detail: string; points: number[]; testId?: string }) {
  const max = Math.max(1e-9, ...points);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${(i / Math.max(1, WINDOW - 1)) * 300},${60 - (p / max) * 56}`).join(" ");
  return (
    <Card withBorder>
      <Group justify="space-between">
        <Text fw={600}>{title}</Text>
        <Text data-testid={testId}>{value}</Text>
      </Group>
      <Text size="xs" c="dimmed">{detail}</Text>
      <svg viewBox="0 0 300 60" width="100%" height={60} role="img" aria-label={`${title} over the last minute`}>
        <path d={path} fill="none" stroke="var(--mantine-color-indigo-6)" strokeWidth={2} />
      </svg>
    </Card>
  );
}
