// Pure formatting helpers shared by the screens (unit-tested in format.test.ts).

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Seconds since the epoch → "3 min ago", relative to `now` (ms). */
export function formatAge(unixSeconds: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round(now / 1000 - unixSeconds));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** The Mantine colour for a container state or health. */
export function stateColor(state: string): string {
  switch (state) {
    case "running":
    case "healthy":
    case "up":
      return "green";
    case "paused":
    case "starting":
    case "restarting":
      return "yellow";
    case "unhealthy":
    case "dead":
    case "down":
      return "red";
    default:
      return "gray";
  }
}

/** Splits `text` around case-insensitive matches of `query`, for highlighting. */
export function splitMatches(text: string, query: string): { text: string; match: boolean }[] {
  if (!query) return [{ text, match: false }];
  const parts: { text: string; match: boolean }[] = [];
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  let index = 0;
  for (;;) {
    const found = lower.indexOf(needle, index);
    if (found < 0) break;
    if (found > index) parts.push({ text: text.slice(index, found), match: false });
    parts.push({ text: text.slice(found, found + needle.length), match: true });
    index = found + needle.length;
  }
  if (index < text.length) parts.push({ text: text.slice(index), match: false });
  return parts;
}

/** Strips ANSI escape sequences (colours are not rendered in this version of the log view). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}

/** A run of log text in one colour. */
export interface AnsiSegment {
  text: string;
  color?: string;
  bold?: boolean;
}

const ANSI_COLORS = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/** Splits text with ANSI SGR colour codes into coloured runs; other escape sequences are dropped. */
export function parseAnsi(input: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let color: string | undefined;
  let bold = false;
  let last = 0;
  // eslint-disable-next-line no-control-regex
  const sgr = /\u001b\[([0-9;]*)m/g;
  const push = (text: string) => {
    const clean = stripAnsi(text);
    if (clean) segments.push({ text: clean, color, bold });
  };
  for (let match = sgr.exec(input); match; match = sgr.exec(input)) {
    push(input.slice(last, match.index));
    for (const code of (match[1] || "0").split(";").map(Number)) {
      if (code === 0) {
        color = undefined;
        bold = false;
      } else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code >= 30 && code <= 37) color = ANSI_COLORS[code - 30];
      else if (code >= 90 && code <= 97) color = ANSI_COLORS[code - 90];
      else if (code === 39) color = undefined;
    }
    last = sgr.lastIndex;
  }
  push(input.slice(last));
  return segments;
}
