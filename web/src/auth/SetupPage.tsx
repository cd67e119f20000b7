// First run: create the first administrator with the setup token from the server's log.
import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { ApiError, api, unwrap } from "../api/client";

export function SetupPage() {
  const [params] = useSearchParams();
  const [token, setToken] = useState(params.get("token") ?? "");
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const setup = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/system/setup", { body: { username, password, setup_token: token } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["system-status"] });
      navigate("/login", { replace: true });
    },
  });
  const error = setup.error instanceof ApiError ? setup.error : undefined;
  const fieldError = (field: string) => (error?.field === field ? error.message : undefined);

  return (
    <Center h="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={420} component="form" onSubmit={(e) => { e.preventDefault(); setup.mutate(); }}>
        <Stack>
          <Title order={2}>Set up Berth</Title>
          <Text size="sm" c="dimmed">
            Create the first administrator. The setup token is in the server's log, in the line that starts
            with “first run”.
          </Text>
          <TextInput label="Setup token" value={token} onChange={(e) => setToken(e.currentTarget.value)} required
            error={error && !error.field ? error.message : undefined} />
          <TextInput label="Administrator username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} required error={fieldError("username")} />
          <PasswordInput label="Password" description="At least 12 characters" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required error={fieldError("password")} />
          <Button type="submit" loading={setup.isPending}>
            Create administrator
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
