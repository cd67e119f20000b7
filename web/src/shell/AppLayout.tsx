// The app shell: header with navigation, theme switch and the user menu.
import { ActionIcon, AppShell, Button, Group, Menu, Text, useMantineColorScheme } from "@mantine/core";
import type { ReactNode } from "react";
import { Link, useNavigate } from "react-router-dom";
import type { User } from "../api/client";
import { useLogout } from "../auth/session";

export function AppLayout({ user, children }: { user: User; children: ReactNode }) {
  const { colorScheme, toggleColorScheme } = useMantineColorScheme();
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Text component={Link} to="/" fw={700} size="lg" style={{ whiteSpace: "nowrap" }}>
              ⚓ Berth
            </Text>
            <Button component={Link} to="/" variant="subtle" size="compact-sm">
              Home
            </Button>
            {user.role === "admin" && (
              <Button component={Link} to="/users" variant="subtle" size="compact-sm">
                Users
              </Button>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <ActionIcon variant="default" aria-label="Switch light or dark theme" onClick={toggleColorScheme}>
              {colorScheme === "dark" ? "☀" : "☾"}
            </ActionIcon>
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="default" size="compact-sm">
                  {user.username}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{user.role === "admin" ? "Administrator" : "Standard user"}</Menu.Label>
                <Menu.Item component={Link} to="/account">
                  Password and API keys
                </Menu.Item>
                <Menu.Item onClick={() => logout.mutate(undefined, { onSettled: () => navigate("/login") })}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
