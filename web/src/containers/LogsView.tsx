// A container's log: followed live over a streamed response, pausable, searchable, and downloadable.
import { Anchor, Button, Checkbox, Group, Select, Stack, Text, TextInput } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { parseAnsi, splitMatches, stripAnsi } from "../format";

const MAX_LINES = 10_000;

interface Line {
  stream: string;
  /** As logged, colour codes included. */
  text: string;
  /** Without colour codes, for searching. */
  plain: string;
}

export function LogsView({ environmentId, containerId, name }: { environmentId: number; containerId: string; name: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [paused, setPaused] = useState(false);
  const [tail, setTail] = useState("500");
  const [since, setSince] = useState("all");
  const [timestamps, setTimestamps] = useState(false);
  const [stdout, setStdout] = useState(true);
  const [stderr, setStderr] = useState(true);
  const [wrap, setWrap] = useState(false);
  const [search, setSearch] = useState("");
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const base = `/api/environments/${environmentId}/containers/${encodeURIComponent(containerId)}/logs`;
  const sinceSeconds: Record<string, number> = { "5m": 300, "1h": 3600, "24h": 86400 };
  const sinceQuery = since in sinceSeconds ? `&since=${Math.floor(Date.now() / 1000) - sinceSeconds[since]}` : "";
  const query = `tail=${tail}&timestamps=${timestamps}&stdout=${stdout}&stderr=${stderr}${sinceQuery}`;

  useEffect(() => {
    if (!stdout && !stderr) return;
    const controller = new AbortController();
    setLines([]);
    (async () => {
      const response = await fetch(`${base}?follow=true&${query}`, { signal: controller.signal });
      if (!response.ok || !response.body) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let partial: Record<string, string> = {};
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const chunks = buffer.split("\n");
        buffer = chunks.pop() ?? "";
        const fresh: Line[] = [];
        for (const chunk of chunks) {
          if (!chunk) continue;
          const { stream, text } = JSON.parse(chunk) as { stream: string; text: string };
          // Chunks may hold several lines or part of one: join per stream, split on newlines.
          const joined = (partial[stream] ?? "") + text;
          const parts = joined.split("\n");
          partial = { ...partial, [stream]: parts.pop() ?? "" };
          for (const part of parts) fresh.push({ stream, text: part, plain: stripAnsi(part) });
        }
        if (fresh.length && !pausedRef.current) setLines((current) => [...current, ...fresh].slice(-MAX_LINES));
      }
    })().catch(() => {});
    return () => controller.abort();
  }, [base, query, stdout, stderr]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => 20, overscan: 30 });
  useEffect(() => {
    if (!paused && lines.length) virtualizer.scrollToIndex(lines.length - 1);
  }, [lines.length, paused, virtualizer]);
  const matches = search ? lines.reduce<number[]>((found, line, index) => (line.plain.toLowerCase().includes(search.toLowerCase()) ? [...found, index] : found), []) : [];
  const [matchIndex, setMatchIndex] = useState(0);
  const jump = (step: number) => {
    if (!matches.length) return;
    const next = (matchIndex + step + matches.length) % matches.length;
    setMatchIndex(next);
    setPaused(true);
    virtualizer.scrollToIndex(matches[next], { align: "center" });
  };

  return (
    <Stack>
      <Group>
        <Button size="xs" variant="light" onClick={() => setPaused(!paused)}>{paused ? "Resume" : "Pause"}</Button>
        <Select size="xs" aria-label="Tail" value={tail} onChange={(v) => setTail(v ?? "500")} data={["100", "500", "1000", "5000", "all"]} w={90} />
        <Select size="xs" aria-label="Since" value={since} onChange={(v) => setSince(v ?? "all")}
          data={[{ value: "all", label: "Any time" }, { value: "5m", label: "Last 5 min" }, { value: "1h", label: "Last hour" }, { value: "24h", label: "Last day" }]} w={120} />
        <Checkbox size="xs" label="Timestamps" checked={timestamps} onChange={(e) => setTimestamps(e.currentTarget.checked)} />
        <Checkbox size="xs" label="stdout" checked={stdout} onChange={(e) => setStdout(e.currentTarget.checked)} />
        <Checkbox size="xs" label="stderr" checked={stderr} onChange={(e) => setStderr(e.currentTarget.checked)} />
        <Checkbox size="xs" label="Wrap" checked={wrap} onChange={(e) => setWrap(e.currentTarget.checked)} />
        <TextInput size="xs" placeholder="Search" aria-label="Search logs" value={search} onChange={(e) => { setSearch(e.currentTarget.value); setMatchIndex(0); }}
          onKeyDown={(e) => { if (e.key === "Enter") jump(e.shiftKey ? -1 : 1); }} w={180} />
        {search && <Text size="xs">{matches.length ? `${matchIndex + 1}/${matches.length}` : "no match"}</Text>}
        <Button size="xs" variant="subtle" onClick={() => jump(-1)} disabled={!matches.length}>Previous</Button>
        <Button size="xs" variant="subtle" onClick={() => jump(1)} disabled={!matches.length}>Next</Button>
        <Anchor size="xs" href={`${base}?download=true&timestamps=${timestamps}&stdout=${stdout}&stderr=${stderr}`} download={`${name}.log`}>Download</Anchor>
      </Group>
      <div ref={scroller} data-testid="log-lines" style={{ height: "60vh", overflow: "auto", fontFamily: "monospace", fontSize: 13, background: "var(--mantine-color-default-hover)", borderRadius: 6 }}>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const line = lines[item.index];
            return (
              <div key={item.index} ref={virtualizer.measureElement} data-index={item.index}
                style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)`, padding: "0 8px",
                  whiteSpace: wrap ? "pre-wrap" : "pre", color: line.stream === "stderr" ? "var(--mantine-color-red-6)" : undefined }}>
                {parseAnsi(line.text).map((segment, segmentIndex) => (
                  <span key={segmentIndex} style={{ color: segment.color ? `var(--mantine-color-${segment.color === "white" ? "gray" : segment.color === "black" ? "dark" : segment.color}-6)` : undefined, fontWeight: segment.bold ? 700 : undefined }}>
                    {splitMatches(segment.text, search).map((part, index) =>
                      part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
                    )}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </Stack>
  );
}
