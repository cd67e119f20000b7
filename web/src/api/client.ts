// The one API client, typed from the server's OpenAPI document (src/api/schema.ts is generated, never edited).
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

/** The error body every Berth endpoint answers with. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

/** An API failure, carrying the server's words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Listeners told when the session has ended (a 401 on any call). */
const sessionEndedListeners = new Set<() => void>();
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

const sessionWatch: Middleware = {
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.includes("/api/auth/login")) {
      sessionEndedListeners.forEach((listener) => listener());
    }
    return response;
  },
};
api.use(sessionWatch);

/** Unwraps an openapi-fetch result, throwing `ApiError` with the server's message on failure. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = result.error as Partial<ApiErrorBody> | undefined;
    const field = body?.error?.field;
    let message = body?.error?.message ?? `${result.response.status} ${result.response.statusText}`;
    // Shown next to its field, the message needs no "field:" prefix.
    if (field && message.startsWith(`${field}: `)) message = message.slice(field.length + 2);
    throw new ApiError(result.response.status, body?.error?.code ?? "http_error", message, field);
  }
  return result.data as T;
}

export type Schemas = import("./schema").components["schemas"];
export type Container = Schemas["ContainerResponse"];
export type Environment = Schemas["EnvironmentResponse"];
export type User = Schemas["UserResponse"];
