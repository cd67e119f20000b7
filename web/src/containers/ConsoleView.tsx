// A terminal in the browser: xterm.js over the server's console WebSocket (exec a shell or attach).
import { Button, Group, SegmentedControl, Text, TextInput } from "@mantine/core";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { useEffect, useRef, useState } from "react";

export function ConsoleView({ environmentId, containerId, running }: { environmentId: number; containerId: string; running: boolean }) {
  const [mode, setMode] = useState("exec");
  const [command, setCommand] = useState("sh");
  const [user, setUser] = useState("");
  const [session, setSession] = useState(0);
  const [status, setStatus] = useState("");
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!session || !host.current) return;
    const terminal = new Terminal({ cursorBlink: true, fontSize: 13, convertEol: false });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(host.current);
    fit.fit();
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ mode, command, cols: String(terminal.cols), rows: String(terminal.rows) });
    if (user) query.set("user", user);
    const socket = new WebSocket(`${scheme}://${window.location.host}/api/environments/${environmentId}/containers/${encodeURIComponent(containerId)}/console?${query}`);
    socket.binaryType = "arraybuffer";
    const encoder = new TextEncoder();
    socket.onopen = () => { setStatus("connected"); terminal.focus(); };
    socket.onmessage = (event) => terminal.write(new Uint8Array(event.data as ArrayBuffer));
    socket.onclose = () => { setStatus("session ended"); terminal.write("\r\n\x1b[2m[session ended]\x1b[0m\r\n"); };
    socket.onerror = () => setStatus("could not connect (is the container running?)");
    const input = terminal.onData((data) => { if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data)); });
    const resize = terminal.onResize(({ cols, rows }) => { if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resize", cols, rows })); });
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host.current);
    return () => { observer.disconnect(); input.dispose(); resize.dispose(); socket.close(); terminal.dispose(); };
    // A new session starts only when asked for.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

  if (!running) return <Text c="dimmed">A console needs a running container.</Text>;
  return (
    <div>
      <Group mb="sm">
        <SegmentedControl value={mode} onChange={setMode} data={[{ value: "exec", label: "New process" }, { value: "attach", label: "Attach to main process" }]} />
        {mode === "exec" && (
          <>
            <TextInput size="xs" aria-label="Command" value={command} onChange={(e) => setCommand(e.currentTarget.value)} w={160} />
            <TextInput size="xs" aria-label="User" placeholder="user (optional)" value={user} onChange={(e) => setUser(e.currentTarget.value)} w={140} />
          </>
        )}
        <Button size="xs" onClick={() => setSession((n) => n + 1)}>{session ? "Reconnect" : "Connect"}</Button>
        <Text size="xs" c="dimmed" data-testid="console-status">{status}</Text>
      </Group>
      <div ref={host} data-testid="terminal" style={{ height: "60vh", background: "#000", padding: 4, borderRadius: 6 }} />
    </div>
  );
}
