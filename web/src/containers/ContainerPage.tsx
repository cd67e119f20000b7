// One container: overview, raw inspect, logs, live stats and a console, with its actions.
import { Anchor, Badge, Button, Checkbox, Code, Group, Modal, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError, api, unwrap } from "../api/client";
import { stateColor } from "../format";
import { useChangeFeed } from "../live/useChangeFeed";
import { ACTIONS, useBulkAction } from "./actions";
import { ConsoleView } from "./ConsoleView";
import { LogsView } from "./LogsView";
import { StatsView } from "./StatsView";

// The inspect document is the engine's own JSON; only the fields shown here are named.
interface Inspect {
  Id: string;
  Name: string;
  Created: string;
  State: { Status: string; StartedAt?: string; Health?: { Status: string; Log?: { Output: string; ExitCode: number }[] } };
  Config: { Image: string; Cmd?: string[]; Env?: string[]; Labels?: Record<string, string>; Tty?: boolean };
  HostConfig: { RestartPolicy?: { Name: string } };
  Mounts?: { Source: string; Destination: string; Type: string }[];
  NetworkSettings: { Networks?: Record<string, { IPAddress: string }>; Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

export function ContainerPage() {
  const params = useParams();
  const environmentId = Number(params.environmentId);
  const containerId = params.containerId!;
  useChangeFeed(environmentId);
  const navigate = useNavigate();
  const inspect = useQuery({
    queryKey: ["inspect", environmentId, containerId],
    queryFn: async () =>
      unwrap(await api.GET("/api/environments/{id}/containers/{container}", { params: { path: { id: environmentId, container: containerId } } })) as unknown as Inspect,
  });
  const action = useBulkAction(environmentId);
  const [tab, setTab] = useState<string | null>("overview");
  if (inspect.error) return <Text c="red">{inspect.error.message}</Text>;
  if (!inspect.data) return <Text c="dimmed">Loading…</Text>;
  const data = inspect.data;
  const name = data.Name.replace(/^\//, "");
  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Anchor component={Link} to={`/environments/${environmentId}/containers`}>
            Containers
          </Anchor>
          <Text>/</Text>
          <Title order={2}>{name}</Title>
          <Badge color={stateColor(data.State.Status)} data-testid="detail-state">{data.State.Status}</Badge>
        </Group>
        <Group gap="xs">
          <RenameButton environmentId={environmentId} containerId={data.Id} current={name} />
          <RecreateButton environmentId={environmentId} containerId={data.Id} />
          {ACTIONS.map((item) => (
            <Button key={item.name} size="xs" variant="light" color={item.destructive ? "red" : undefined} loading={action.isPending}
              onClick={() => action.mutate({ action: item.name, containers: [{ id: data.Id, name }] }, {
                onSuccess: (result) => { if (item.name === "remove" && result.failures.length === 0) navigate(`/environments/${environmentId}/containers`); },
              })}>
              {item.label}
            </Button>
          ))}
        </Group>
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="logs">Logs</Tabs.Tab>
          <Tabs.Tab value="stats">Stats</Tabs.Tab>
          <Tabs.Tab value="console">Console</Tabs.Tab>
          <Tabs.Tab value="inspect">Inspect</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md"><Overview data={data} /></Tabs.Panel>
        <Tabs.Panel value="logs" pt="md"><LogsView environmentId={environmentId} containerId={data.Id} name={name} /></Tabs.Panel>
        <Tabs.Panel value="stats" pt="md"><StatsView environmentId={environmentId} containerId={data.Id} running={data.State.Status === "running"} /></Tabs.Panel>
        <Tabs.Panel value="console" pt="md"><ConsoleView environmentId={environmentId} containerId={data.Id} running={data.State.Status === "running"} /></Tabs.Panel>
        <Tabs.Panel value="inspect" pt="md"><Code block>{JSON.stringify(data, null, 2)}</Code></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function RenameButton({ environmentId, containerId, current }: { environmentId: number; containerId: string; current: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(current);
  const queryClient = useQueryClient();
  const rename = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/environments/{id}/containers/{container}/rename", { params: { path: { id: environmentId, container: containerId } }, body: { name } })),
    onSuccess: () => {
      setOpen(false);
      queryClient.invalidateQueries({ queryKey: ["inspect", environmentId, containerId] });
      notifications.show({ color: "green", message: `Renamed to ${name}` });
    },
  });
  const error = rename.error instanceof ApiError ? rename.error : undefined;
  return (
    <>
      <Button size="xs" variant="light" onClick={() => { setName(current); setOpen(true); }}>Rename</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Rename container">
        <Stack component="form" onSubmit={(e) => { e.preventDefault(); rename.mutate(); }}>
          <TextInput label="New name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={error?.message} data-autofocus />
          <Group justify="flex-end"><Button type="submit" loading={rename.isPending}>Rename</Button></Group>
        </Stack>
      </Modal>
    </>
  );
}

function RecreateButton({ environmentId, containerId }: { environmentId: number; containerId: string }) {
  const [open, setOpen] = useState(false);
  const [pull, setPull] = useState(true);
  const navigate = useNavigate();
  const recreate = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/environments/{id}/containers/{container}/recreate", { params: { path: { id: environmentId, container: containerId }, query: { pull } } })),
    onSuccess: (container) => {
      setOpen(false);
      notifications.show({ color: "green", message: `${container.name} recreated${pull ? " on a freshly pulled image" : ""}` });
      navigate(`/environments/${environmentId}/containers/${container.id}`, { replace: true });
    },
  });
  return (
    <>
      <Button size="xs" variant="light" onClick={() => setOpen(true)}>Recreate</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Recreate container">
        <Stack>
          <Text size="sm">A new container replaces this one with the same configuration, name and networks; it starts if this one was running.</Text>
          <Checkbox label="Pull the image first" checked={pull} onChange={(e) => setPull(e.currentTarget.checked)} />
          {recreate.error && <Text c="red" size="sm">{recreate.error.message}</Text>}
          <Group justify="flex-end"><Button loading={recreate.isPending} onClick={() => recreate.mutate()}>Recreate</Button></Group>
        </Stack>
      </Modal>
    </>
  );
}

function Overview({ data }: { data: Inspect }) {
  const [revealed, setRevealed] = useState(false);
  const rows: [string, React.ReactNode][] = [
    ["Image", data.Config.Image],
    ["Command", (data.Config.Cmd ?? []).join(" ")],
    ["Created", new Date(data.Created).toLocaleString()],
    ["Started", data.State.StartedAt && !data.State.StartedAt.startsWith("0001") ? new Date(data.State.StartedAt).toLocaleString() : "–"],
    ["Restart policy", data.HostConfig.RestartPolicy?.Name || "no"],
    ["Networks", Object.entries(data.NetworkSettings.Networks ?? {}).map(([n, v]) => `${n} ${v.IPAddress}`).join(", ") || "–"],
    ["Ports", Object.entries(data.NetworkSettings.Ports ?? {}).map(([p, bindings]) => `${p}${bindings?.length ? ` ← ${bindings.map((b) => `${b.HostIp}:${b.HostPort}`).join(", ")}` : ""}`).join("; ") || "–"],
    ["Mounts", (data.Mounts ?? []).map((m) => `${m.Source} → ${m.Destination} (${m.Type})`).join("; ") || "–"],
  ];
  const env = data.Config.Env ?? [];
  return (
    <Stack>
      <Table>
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th w={160}>{label}</Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="space-between">
        <Title order={4}>Environment</Title>
        <Button size="compact-xs" variant="subtle" onClick={() => setRevealed(!revealed)}>
          {revealed ? "Hide values" : "Reveal values"}
        </Button>
      </Group>
      <Code block>{env.map((line) => (revealed ? line : line.replace(/=.*/, "=••••••"))).join("\n") || "(none)"}</Code>
      <Title order={4}>Labels</Title>
      <Code block>{Object.entries(data.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join("\n") || "(none)"}</Code>
      {data.State.Health && (
        <>
          <Title order={4}>Health: {data.State.Health.Status}</Title>
          <Code block>{(data.State.Health.Log ?? []).map((entry) => `[${entry.ExitCode}] ${entry.Output.trim()}`).join("\n")}</Code>
        </>
      )}
    </Stack>
  );
}
