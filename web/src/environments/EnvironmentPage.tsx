// One environment's dashboard: counts, engine facts and disk use, from the mirror and the engine.
import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { formatAge, formatBytes, stateColor } from "../format";
import { useChangeFeed } from "../live/useChangeFeed";

interface EngineInfo {
  ServerVersion: string;
  OperatingSystem: string;
  KernelVersion: string;
  NCPU: number;
  MemTotal: number;
  Architecture: string;
}

interface DiskUsage {
  LayersSize: number;
  Containers: { SizeRw?: number }[] | null;
  Volumes: { UsageData?: { Size: number } }[] | null;
}

export function EnvironmentPage() {
  const id = Number(useParams().environmentId);
  useChangeFeed(id);
  const environment = useQuery({ queryKey: ["environments", id], queryFn: async () => unwrap(await api.GET("/api/environments/{id}", { params: { path: { id } } })) });
  const count = (state?: string, health?: string) => ({
    queryKey: ["containers", id, "count", state, health],
    queryFn: async () => unwrap(await api.GET("/api/environments/{id}/containers", { params: { path: { id }, query: { state, health, limit: 1 } } })).total,
  });
  const running = useQuery(count("running"));
  const stopped = useQuery(count("exited,created,dead"));
  const unhealthy = useQuery(count(undefined, "unhealthy"));
  const images = useQuery({ queryKey: ["images", id], queryFn: async () => unwrap(await api.GET("/api/environments/{id}/images", { params: { path: { id }, query: { limit: 1 } } })).total });
  const volumes = useQuery({ queryKey: ["volumes", id], queryFn: async () => unwrap(await api.GET("/api/environments/{id}/volumes", { params: { path: { id }, query: { limit: 1 } } })).total });
  const networks = useQuery({ queryKey: ["networks", id], queryFn: async () => unwrap(await api.GET("/api/environments/{id}/networks", { params: { path: { id }, query: { limit: 1 } } })).total });
  const up = environment.data?.status.health === "up";
  // Engine facts come through the gateway, straight from the engine.
  const info = useQuery({ queryKey: ["engine-info", id], enabled: up, queryFn: async () => engineGet<EngineInfo>(id, "info") });
  const disk = useQuery({ queryKey: ["engine-df", id], enabled: up, queryFn: async () => engineGet<DiskUsage>(id, "system/df") });
  if (!environment.data) return <Text c="dimmed">{environment.error?.message ?? "Loading…"}</Text>;
  const status = environment.data.status;
  const tiles: [string, number | undefined, string?][] = [
    ["Running", running.data, `/environments/${id}/containers`],
    ["Stopped", stopped.data, `/environments/${id}/containers`],
    ["Unhealthy", unhealthy.data],
    ["Images", images.data],
    ["Volumes", volumes.data],
    ["Networks", networks.data],
  ];
  const containerDisk = (disk.data?.Containers ?? []).reduce((sum, c) => sum + (c.SizeRw ?? 0), 0);
  const volumeDisk = (disk.data?.Volumes ?? []).reduce((sum, v) => sum + Math.max(0, v.UsageData?.Size ?? 0), 0);
  return (
    <Stack>
      <Group>
        <Title order={2}>{environment.data.name}</Title>
        <Badge color={stateColor(status.health)}>{status.health}</Badge>
        {status.stale && status.synced_at && <Badge color="yellow">data from {formatAge(status.synced_at)}</Badge>}
        <Anchor component={Link} to={`/environments/${id}/containers`}>Containers →</Anchor>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        {tiles.map(([label, value, link]) => {
          const body = (
            <>
              <Text size="sm" c="dimmed">{label}</Text>
              <Text fw={700} size="xl" data-testid={`tile-${label.toLowerCase()}`}>{value ?? "–"}</Text>
            </>
          );
          return link ? (
            <Card key={label} withBorder component={Link} to={link}>{body}</Card>
          ) : (
            <Card key={label} withBorder>{body}</Card>
          );
        })}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="xs">Engine</Title>
          <Table>
            <Table.Tbody>
              <Row label="Address" value={environment.data.url} />
              <Row label="Docker" value={info.data?.ServerVersion ?? status.engine_version ?? "–"} />
              <Row label="API" value={status.api_version ?? "–"} />
              <Row label="System" value={info.data ? `${info.data.OperatingSystem}, kernel ${info.data.KernelVersion} (${info.data.Architecture})` : "–"} />
              <Row label="Resources" value={info.data ? `${info.data.NCPU} CPUs, ${formatBytes(info.data.MemTotal)} memory` : "–"} />
              <Row label="Last check" value={status.last_checked_at ? formatAge(status.last_checked_at) : "–"} />
              {status.last_error && <Row label="Error" value={status.last_error} />}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">Disk use</Title>
          <Table>
            <Table.Tbody>
              <Row label="Images" value={disk.data ? formatBytes(disk.data.LayersSize) : "–"} />
              <Row label="Containers" value={disk.data ? formatBytes(containerDisk) : "–"} />
              <Row label="Volumes" value={disk.data ? formatBytes(volumeDisk) : "–"} />
            </Table.Tbody>
          </Table>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <Table.Tr>
      <Table.Th w={120}>{label}</Table.Th>
      <Table.Td>{value}</Table.Td>
    </Table.Tr>
  );
}

async function engineGet<T>(environmentId: number, path: string): Promise<T> {
  const response = await fetch(`/api/environments/${environmentId}/docker/${path}`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}
