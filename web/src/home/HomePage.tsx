// Home: every environment with its status and container counts, and a search across the whole fleet.
import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Environment } from "../api/client";
import { formatAge, stateColor } from "../format";
import { useChangeFeed } from "../live/useChangeFeed";

export function HomePage() {
  useChangeFeed();
  const environments = useQuery({
    queryKey: ["environments"],
    queryFn: async () => unwrap(await api.GET("/api/environments")),
  });
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const fleet = useQuery({
    queryKey: ["fleet", debounced],
    enabled: debounced.length > 0,
    queryFn: async () => unwrap(await api.GET("/api/containers", { params: { query: { search: debounced, limit: 20 } } })),
  });
  return (
    <Stack>
      <Title order={2}>Environments</Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {environments.data?.items.map((environment) => <EnvironmentCard key={environment.id} environment={environment} />)}
      </SimpleGrid>
      {environments.data?.items.length === 0 && <Text c="dimmed">No environments yet.</Text>}
      <Title order={3} mt="md">
        Find a container anywhere
      </Title>
      <TextInput placeholder="Name, image, id or stack" value={search} onChange={(e) => setSearch(e.currentTarget.value)} aria-label="Search all containers" maw={480} />
      {fleet.data && (
        <Table striped highlightOnHover>
          <Table.Tbody>
            {fleet.data.items.map((container) => (
              <Table.Tr key={`${container.environment_id}-${container.id}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/environments/${container.environment_id}/containers/${container.id}`}>
                    {container.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{container.image}</Table.Td>
                <Table.Td>
                  <Badge color={stateColor(container.state)}>{container.state}</Badge>
                </Table.Td>
                <Table.Td>environment {container.environment_id}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function useCount(environmentId: number, state?: string, health?: string) {
  return useQuery({
    queryKey: ["containers", environmentId, "count", state, health],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/environments/{id}/containers", {
          params: { path: { id: environmentId }, query: { state, health, limit: 1 } },
        }),
      ).total,
  });
}

function EnvironmentCard({ environment }: { environment: Environment }) {
  const status = environment.status;
  const running = useCount(environment.id, "running");
  const stopped = useCount(environment.id, "exited,created,dead");
  const unhealthy = useCount(environment.id, undefined, "unhealthy");
  const images = useQuery({
    queryKey: ["images", environment.id],
    queryFn: async () => unwrap(await api.GET("/api/environments/{id}/images", { params: { path: { id: environment.id }, query: { limit: 1 } } })).total,
  });
  const volumes = useQuery({
    queryKey: ["volumes", environment.id],
    queryFn: async () => unwrap(await api.GET("/api/environments/{id}/volumes", { params: { path: { id: environment.id }, query: { limit: 1 } } })).total,
  });
  // Stacks: the distinct compose projects among the containers.
  const stacks = useQuery({
    queryKey: ["containers", environment.id, "stacks"],
    queryFn: async () => {
      const page = unwrap(await api.GET("/api/environments/{id}/containers", { params: { path: { id: environment.id }, query: { label: "com.docker.compose.project", limit: 1000 } } }));
      return new Set(page.items.map((c) => c.stack)).size;
    },
  });
  return (
    <Card withBorder padding="lg" component={Link} to={`/environments/${environment.id}`}>
      <Group justify="space-between">
        <Text fw={600}>{environment.name}</Text>
        <Badge color={stateColor(status.health)}>
          {status.stale && status.health === "down" && status.synced_at ? `down, stale since ${formatAge(status.synced_at)}` : status.health}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {environment.url} · Docker {status.engine_version ?? "?"}
      </Text>
      <Group mt="md" gap="lg">
        <Text size="sm">
          <b>{running.data ?? "–"}</b> running
        </Text>
        <Text size="sm">
          <b>{stopped.data ?? "–"}</b> stopped
        </Text>
        <Text size="sm" c={unhealthy.data ? "red" : undefined}>
          <b>{unhealthy.data ?? "–"}</b> unhealthy
        </Text>
      </Group>
      <Group mt={4} gap="lg">
        <Text size="sm"><b>{images.data ?? "–"}</b> images</Text>
        <Text size="sm"><b>{volumes.data ?? "–"}</b> volumes</Text>
        <Text size="sm"><b>{stacks.data ?? "–"}</b> stacks</Text>
      </Group>
    </Card>
  );
}
