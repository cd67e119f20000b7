// Browser tests: Debian's Chromium, driven by playwright-core, against the real `berth server` binary and
// the real Docker Engine. Each test saves a screenshot in test-results/. Prints "N passed, N failed" and
// writes test-results/e2e.json for `cargo xtask ci`.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BINARY = process.env.BERTH_BIN;
const IMAGE = "berth-test/busybox:latest";
const RESULTS = new URL("../test-results/", import.meta.url).pathname;
const LABEL = `berth.e2e=${process.pid}`;
const PASSWORD = "a long enough password";
mkdirSync(RESULTS, { recursive: true });

const docker = (...args) =>
  execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: "unix:///var/run/docker.sock" }, encoding: "utf8" }).trim();

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startBerth() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "berth-e2e-"));
  const child = spawn(BINARY, ["server", "--data-dir", dataDir, "--http-listen", `127.0.0.1:${port}`, "--https-listen", "off", "--environment-check-interval", "1"], {
    env: { ...process.env, DOCKER_HOST: "" },
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const token = /setup\?token=([A-Za-z0-9_-]+)/.exec(log)?.[1];
    if (token) {
      try {
        if ((await fetch(`${base}/api/system/status`)).ok) return { child, base, token, log: () => log };
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`berth did not start:\n${log}`);
}

const until = async (what, check, timeout = 10_000) => {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const results = [];
async function test(name, page, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`e2e ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false, error: String(error) });
    console.log(`e2e FAIL ${name}: ${error.stack ?? error}`);
  } finally {
    await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true }).catch(() => {});
  }
}

const berth = await startBerth();
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(10_000);
const names = { logger: `e2e-logger-${process.pid}`, bulk: [1, 2, 3].map((i) => `e2e-bulk-${process.pid}-${i}`) };

try {
  await test("setup", page, async () => {
    await page.goto(berth.base);
    await page.waitForURL("**/setup");
    await page.getByRole("textbox", { name: /^Setup token/ }).fill(berth.token);
    await page.locator("input[type=password]").fill(PASSWORD);
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page.waitForURL("**/login");
  });

  await test("sign-in", page, async () => {
    await page.getByRole("textbox", { name: /^Username/ }).fill("admin");
    await page.locator("input[type=password]").fill("wrong password here");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Sign-in failed").waitFor();
    await page.locator("input[type=password]").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Environments" }).waitFor();
    await page.getByText("local").first().waitFor();
  });

  docker("run", "-d", "--name", names.logger, "--label", LABEL, IMAGE, "sh", "-c", "i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done");

  await test("containers-list-follows-start-and-stop", page, async () => {
    await page.goto(`${berth.base}/environments/1/containers`);
    const state = page.getByTestId(`state-${names.logger}`);
    await state.waitFor();
    await until("running", async () => (await state.textContent()) === "running");
    // Stopped outside Berth: the list follows without a reload.
    docker("stop", "-t", "0", names.logger);
    await until("exited in the list", async () => (await state.textContent()) === "exited");
    // Started from the list.
    await page.getByRole("button", { name: `Start ${names.logger}` }).click();
    await until("running again", async () => (await state.textContent()) === "running");
  });

  await test("logs-follow", page, async () => {
    await page.getByRole("link", { name: names.logger }).click();
    await page.getByTestId("detail-state").waitFor();
    await page.getByRole("tab", { name: "Logs" }).click();
    const lines = page.getByTestId("log-lines");
    await until("log lines", async () => ((await lines.textContent()) ?? "").includes("line-"));
    const before = (await lines.textContent()) ?? "";
    await until("new lines while watching", async () => ((await lines.textContent()) ?? "") !== before, 5000);
  });

  await test("stats", page, async () => {
    await page.getByRole("tab", { name: "Stats" }).click();
    await until("a CPU figure", async () => /%/.test((await page.getByTestId("stats-cpu").textContent().catch(() => "")) ?? ""));
  });

  await test("console", page, async () => {
    await page.getByRole("tab", { name: "Console" }).click();
    await page.getByRole("button", { name: "Connect" }).click();
    await until("connected", async () => (await page.getByTestId("console-status").textContent()) === "connected");
    await page.getByTestId("terminal").click();
    await page.keyboard.type("echo hello-$((6*7))\n");
    await until("command output", async () => ((await page.locator(".xterm-rows").textContent()) ?? "").includes("hello-42"));
  });

  await test("rename", page, async () => {
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("New name").fill(`${names.logger}-renamed`);
    await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
    await page.getByRole("heading", { name: `${names.logger}-renamed` }).waitFor();
  });

  await test("recreate", page, async () => {
    const before = page.url();
    await page.getByRole("button", { name: "Recreate" }).click();
    const dialog = page.getByRole("dialog");
    // The test image lives only on this engine: recreate without pulling.
    await dialog.getByLabel("Pull the image first").uncheck();
    await dialog.getByRole("button", { name: "Recreate" }).click();
    // The logger's shell ignores SIGTERM, so the stop waits out the engine's 10 s grace.
    await until("a new container id in the address", async () => page.url() !== before, 30_000);
    await page.getByRole("heading", { name: `${names.logger}-renamed` }).waitFor();
    await until("running", async () => (await page.getByTestId("detail-state").textContent()) === "running");
  });

  for (const name of names.bulk) docker("create", "--name", name, "--label", LABEL, IMAGE, "true");
  await test("bulk-remove", page, async () => {
    await page.goto(`${berth.base}/environments/1/containers`);
    await page.getByLabel("Search containers").fill(`e2e-bulk-${process.pid}`);
    await until("three rows", async () => (await page.getByTestId("container-total").textContent())?.startsWith("3 "));
    await page.getByLabel("Select all").check();
    await page.getByRole("button", { name: "3 selected…" }).click();
    await page.getByRole("menuitem", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await until("rows gone", async () => (await page.getByTestId("container-total").textContent())?.startsWith("0 "));
    const left = docker("ps", "-aq", "--filter", `name=e2e-bulk-${process.pid}`);
    if (left) throw new Error(`containers still on the engine: ${left}`);
  });

  await test("environment-dashboard", page, async () => {
    await page.goto(`${berth.base}/`);
    await page.getByRole("link", { name: /local/ }).first().click();
    await page.waitForURL("**/environments/1");
    await until("running count", async () => /^\d+$/.test((await page.getByTestId("tile-running").textContent()) ?? ""));
    await page.getByText(/CPUs, /).waitFor();
  });

  await test("users-and-grants", page, async () => {
    await page.goto(`${berth.base}/users`);
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox", { name: /^Username/ }).fill("e2e-user");
    await dialog.locator("input[type=password]").fill("short");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText("at least 12 characters").waitFor();
    await dialog.locator("input[type=password]").fill(PASSWORD);
    await dialog.getByLabel("Environments").click();
    await page.getByRole("option", { name: "local" }).click();
    // Leaving the field closes its dropdown, which covers the buttons.
    await page.keyboard.press("Tab");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("cell", { name: "e2e-user", exact: true }).waitFor();
    await page.getByRole("row", { name: /e2e-user/ }).getByText("local").waitFor();
  });

  await test("api-keys", page, async () => {
    await page.goto(`${berth.base}/account`);
    await page.getByLabel("New key name").fill("e2e laptop");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-api-key").textContent()) ?? "";
    if (!key.startsWith("berth_k_")) throw new Error(`unexpected key ${key}`);
    const response = await fetch(`${berth.base}/api/users/me`, { headers: { "x-api-key": key } });
    if (response.status !== 200) throw new Error(`the new key does not work: ${response.status}`);
    await page.keyboard.press("Escape");
    await page.getByRole("cell", { name: "e2e laptop" }).waitFor();
  });

  await test("phone-width", page, async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${berth.base}/environments/1/containers`);
    await page.getByTestId("container-total").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    await page.screenshot({ path: join(RESULTS, "phone-width-390.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    if (overflow) throw new Error("the containers page is wider than a phone screen");
  });

  await test("session-expiry-returns-to-sign-in", page, async () => {
    await context.clearCookies();
    await page.goto(`${berth.base}/environments/1/containers`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole("textbox", { name: /^Username/ }).fill("admin");
    await page.locator("input[type=password]").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/environments/1/containers");
  });
} finally {
  await browser.close();
  berth.child.kill();
  try {
    const ids = docker("ps", "-aq", "--filter", `label=${LABEL}`);
    if (ids) docker("rm", "-f", ...ids.split(/\s+/));
  } catch {}
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
writeFileSync(join(RESULTS, "e2e.json"), JSON.stringify({ passed, failed, results }, null, 2));
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
