// Your own account: change your password, and create, list and revoke your API keys.
import { Button, Code, CopyButton, Group, Modal, PasswordInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api, unwrap } from "../api/client";
import { formatAge } from "../format";

export function AccountPage() {
  return (
    <Stack maw={760}>
      <Title order={2}>Your account</Title>
      <PasswordForm />
      <ApiKeys />
    </Stack>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: async () => unwrap(await api.PUT("/api/users/me/password", { body: { current_password: current, new_password: next } })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      notifications.show({ color: "green", message: "Password changed; your other sessions were signed out." });
    },
  });
  const error = change.error instanceof ApiError ? change.error : undefined;
  return (
    <Stack component="form" onSubmit={(e) => { e.preventDefault(); change.mutate(); }} gap="xs">
      <Title order={3}>Password</Title>
      <PasswordInput label="Current password" value={current} onChange={(e) => setCurrent(e.currentTarget.value)} required
        error={error?.field === "current_password" ? error.message : undefined} />
      <PasswordInput label="New password" description="At least 12 characters" value={next} onChange={(e) => setNext(e.currentTarget.value)} required
        error={error?.field === "password" ? error.message : error && !error.field ? error.message : undefined} />
      <Group><Button type="submit" loading={change.isPending}>Change password</Button></Group>
    </Stack>
  );
}

function ApiKeys() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: async () => unwrap(await api.GET("/api/users/me/api-keys")) });
  const [name, setName] = useState("");
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/users/me/api-keys", { body: { name } })),
    onSuccess: (created) => {
      setName("");
      setShown(created.key);
      queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/users/me/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  return (
    <Stack gap="xs">
      <Title order={3}>API keys</Title>
      <Text size="sm" c="dimmed">For scripts and the docker CLI (send as X-API-Key). A key is shown once, when it is made.</Text>
      <Group component="form" onSubmit={(e) => { e.preventDefault(); create.mutate(); }} align="flex-start">
        <TextInput placeholder="Name, e.g. laptop" aria-label="New key name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={error?.message} />
        <Button type="submit" loading={create.isPending}>Create key</Button>
      </Group>
      <Table>
        <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Key</Table.Th><Table.Th>Created</Table.Th><Table.Th>Last used</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {keys.data?.items.map((key) => (
            <Table.Tr key={key.id}>
              <Table.Td>{key.name}</Table.Td>
              <Table.Td><Code>{key.prefix}…</Code></Table.Td>
              <Table.Td>{formatAge(key.created_at)}</Table.Td>
              <Table.Td>{key.last_used_at ? formatAge(key.last_used_at) : "never"}</Table.Td>
              <Table.Td><Button size="xs" color="red" variant="subtle" onClick={() => revoke.mutate(key.id)}>Revoke</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal opened={shown !== null} onClose={() => setShown(null)} title="Your new API key">
        <Stack>
          <Text size="sm">Copy it now: it will not be shown again.</Text>
          <Code block data-testid="new-api-key">{shown}</Code>
          <CopyButton value={shown ?? ""}>{({ copied, copy }) => <Button onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}</CopyButton>
        </Stack>
      </Modal>
    </Stack>
  );
}
