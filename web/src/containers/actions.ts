// Container actions with feedback: each calls the API, which answers once the mirror shows the result.
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";

export type ContainerActionName = "start" | "stop" | "restart" | "kill" | "pause" | "unpause" | "remove";

export const ACTIONS: { name: ContainerActionName; label: string; destructive?: boolean }[] = [
  { name: "start", label: "Start" },
  { name: "stop", label: "Stop" },
  { name: "restart", label: "Restart" },
  { name: "kill", label: "Kill", destructive: true },
  { name: "pause", label: "Pause" },
  { name: "unpause", label: "Resume" },
  { name: "remove", label: "Remove", destructive: true },
];

export async function runAction(environmentId: number, container: string, action: ContainerActionName) {
  if (action === "remove") {
    unwrap(
      await api.DELETE("/api/environments/{id}/containers/{container}", {
        params: { path: { id: environmentId, container }, query: { force: true } },
      }),
    );
    return;
  }
  unwrap(
    await api.POST("/api/environments/{id}/containers/{container}/{action}", {
      params: { path: { id: environmentId, container, action } },
    }),
  );
}

/** Runs one action on many containers, reporting how it went. */
export function useBulkAction(environmentId: number) {
  return useMutation({
    mutationFn: async ({ action, containers }: { action: ContainerActionName; containers: { id: string; name: string }[] }) => {
      const results = await Promise.allSettled(containers.map((c) => runAction(environmentId, c.id, action)));
      const failures = results.flatMap((result, index) =>
        result.status === "rejected" ? [`${containers[index].name}: ${(result.reason as Error).message}`] : [],
      );
      return { action, done: containers.length - failures.length, failures };
    },
    onSuccess: ({ action, done, failures }) => {
      if (done > 0) notifications.show({ color: "green", message: `${action}: done for ${done} container${done === 1 ? "" : "s"}` });
      for (const failure of failures) notifications.show({ color: "red", title: `${action} failed`, message: failure, autoClose: 10000 });
    },
  });
}
