// Administrators manage users: create, change role, disable, reset passwords, grant environments, delete.
import { Badge, Button, Checkbox, Group, Modal, MultiSelect, PasswordInput, Select, Stack, Switch, Table, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api, unwrap, type User } from "../api/client";

export function UsersPage() {
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: async () => unwrap(await api.GET("/api/users")) });
  const environments = useQuery({ queryKey: ["environments"], queryFn: async () => unwrap(await api.GET("/api/environments")) });
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const environmentOptions = (environments.data?.items ?? []).map((e) => ({ value: String(e.id), label: e.name }));
  const update = useMutation({
    mutationFn: async ({ id, body }: { id: number; body: { role?: "admin" | "standard"; disabled?: boolean } }) =>
      unwrap(await api.PATCH("/api/users/{id}", { params: { path: { id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
    onError: (error) => notifications.show({ color: "red", message: error.message }),
  });
  const remove = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/users/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
    onError: (error) => notifications.show({ color: "red", message: error.message }),
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Users</Title>
        <Button onClick={() => setEditing("new")}>Add user</Button>
      </Group>
      {users.error && <div>{users.error.message}</div>}
      <Table striped>
        <Table.Thead><Table.Tr><Table.Th>Username</Table.Th><Table.Th>Role</Table.Th><Table.Th>Environments</Table.Th><Table.Th>Enabled</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {users.data?.items.map((user) => (
            <Table.Tr key={user.id}>
              <Table.Td>{user.username}</Table.Td>
              <Table.Td>
                <Select size="xs" w={130} aria-label={`Role of ${user.username}`} value={user.role} allowDeselect={false}
                  data={[{ value: "admin", label: "Administrator" }, { value: "standard", label: "Standard" }]}
                  onChange={(role) => role && update.mutate({ id: user.id, body: { role: role as "admin" | "standard" } })} />
              </Table.Td>
              <Table.Td>
                {user.role === "admin" ? <Badge variant="light">all</Badge> : user.environment_ids.map((id) => <Badge key={id} variant="outline" mr={4}>{environmentOptions.find((o) => o.value === String(id))?.label ?? id}</Badge>)}
              </Table.Td>
              <Table.Td>
                <Switch aria-label={`${user.username} enabled`} checked={!user.disabled} onChange={(e) => update.mutate({ id: user.id, body: { disabled: !e.currentTarget.checked } })} />
              </Table.Td>
              <Table.Td>
                <Group gap="xs" justify="flex-end">
                  <Button size="xs" variant="subtle" onClick={() => setEditing(user)}>Edit</Button>
                  <Button size="xs" variant="subtle" color="red" onClick={() => { if (window.confirm(`Delete ${user.username}?`)) remove.mutate(user.id); }}>Delete</Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing && <UserForm user={editing === "new" ? null : editing} environmentOptions={environmentOptions} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function UserForm({ user, environmentOptions, onClose }: { user: User | null; environmentOptions: { value: string; label: string }[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [username, setUsername] = useState(user?.username ?? "");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(user?.role === "admin");
  const [granted, setGranted] = useState<string[]>((user?.environment_ids ?? []).map(String));
  const save = useMutation({
    mutationFn: async () => {
      const environment_ids = granted.map(Number);
      const role = admin ? "admin" : "standard";
      if (user) {
        return unwrap(await api.PATCH("/api/users/{id}", { params: { path: { id: user.id } }, body: { role, environment_ids, password: password || undefined } }));
      }
      return unwrap(await api.POST("/api/users", { body: { username, password, role, environment_ids } }));
    },
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ["users"] });
      onClose();
    },
  });
  const error = save.error instanceof ApiError ? save.error : undefined;
  const fieldError = (field: string) => (error?.field === field ? error.message : undefined);
  return (
    <Modal opened onClose={onClose} title={user ? `Edit ${user.username}` : "Add user"}>
      <Stack component="form" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        {!user && <TextInput label="Username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} required error={fieldError("username") ?? (error && !error.field ? error.message : undefined)} />}
        <PasswordInput label={user ? "New password (leave empty to keep)" : "Password"} value={password} onChange={(e) => setPassword(e.currentTarget.value)} required={!user} error={fieldError("password")} />
        <Checkbox label="Administrator" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} />
        {!admin && <MultiSelect label="Environments" data={environmentOptions} value={granted} onChange={setGranted} placeholder="None" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={save.isPending}>Save</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
