// Keeps cached lists current from the server's change feed (server-sent events), instead of polling.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import type { Container } from "../api/client";

interface FeedEvent {
  type: string;
  environment_id?: number;
  container?: Container;
  container_id?: string;
}

/** Subscribes while mounted; `environmentId` narrows the feed to one environment. */
export function useChangeFeed(environmentId?: number) {
  const queryClient = useQueryClient();
  useEffect(() => {
    const query = environmentId === undefined ? "" : `?environment_id=${environmentId}`;
    const source = new EventSource(`/api/events${query}`);
    source.onmessage = (message) => {
      const event = JSON.parse(message.data) as FeedEvent;
      if (event.type === "ready") return;
      if (event.type === "resync") {
        // We fell behind: everything may be out of date.
        queryClient.invalidateQueries();
        return;
      }
      if (event.type.startsWith("container_") && event.environment_id !== undefined) {
        queryClient.invalidateQueries({ queryKey: ["containers", event.environment_id] });
        queryClient.invalidateQueries({ queryKey: ["fleet"] });
        const id = event.container?.id ?? event.container_id;
        if (event.container) {
          queryClient.setQueryData(["container-summary", event.environment_id, event.container.id], event.container);
        }
        if (id) queryClient.invalidateQueries({ queryKey: ["inspect", event.environment_id, id] });
      }
      if (event.type.startsWith("environment_")) {
        queryClient.invalidateQueries({ queryKey: ["environments"] });
      }
    };
    return () => source.close();
  }, [environmentId, queryClient]);
}
