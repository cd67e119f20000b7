// Unit tests for the formatting helpers.
import { describe, expect, it } from "vitest";
import { formatAge, formatBytes, parseAnsi, splitMatches, stateColor, stripAnsi } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [50 * 1024 * 1024, "50 MiB"],
    [-1, "–"],
  ])("%d → %s", (input, expected) => expect(formatBytes(input)).toBe(expected));
});

describe("formatAge", () => {
  const now = 1_000_000 * 1000;
  it.each([
    [1_000_000 - 5, "5 s ago"],
    [1_000_000 - 300, "5 min ago"],
    [1_000_000 - 7200, "2 h ago"],
    [1_000_000 - 3 * 86400, "3 d ago"],
    [1_000_000 + 10, "0 s ago"],
  ])("%d → %s", (input, expected) => expect(formatAge(input, now)).toBe(expected));
});

describe("splitMatches", () => {
  it("marks every case-insensitive match", () => {
    expect(splitMatches("Error: error", "error")).toEqual([
      { text: "Error", match: true },
      { text: ": ", match: false },
      { text: "error", match: true },
    ]);
    expect(splitMatches("abc", "")).toEqual([{ text: "abc", match: false }]);
  });
});

describe("stateColor and stripAnsi", () => {
  it("colours states", () => {
    expect(stateColor("running")).toBe("green");
    expect(stateColor("unhealthy")).toBe("red");
    expect(stateColor("exited")).toBe("gray");
  });
  it("strips colour codes", () => {
    expect(stripAnsi("\u001b[31mred\u001b[0m plain")).toBe("red plain");
  });
});

describe("parseAnsi", () => {
  it("turns colour codes into coloured runs", () => {
    expect(parseAnsi("plain \u001b[1;31mbold red\u001b[0m back \u001b[92mgreen\u001b[39m")).toEqual([
      { text: "plain ", color: undefined, bold: false },
      { text: "bold red", color: "red", bold: true },
      { text: " back ", color: undefined, bold: false },
      { text: "green", color: "green", bold: false },
    ]);
  });
  it("drops other escape sequences", () => {
    expect(parseAnsi("a\u001b[2Kb")).toEqual([{ text: "ab", color: undefined, bold: false }]);
  });
});
