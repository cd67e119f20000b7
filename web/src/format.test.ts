// Unit tests for the formatting helpers.
import { describe, expect, it } from "vitest";
import { formatAge, formatBytes, splitMatches, stateColor, stripAnsi } from "./format";

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
