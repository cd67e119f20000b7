// Benchmark helper for `cargo xtask bench`: signs in to a running berth in headless Chromium, then times
// navigation to a containers page until the list is usable (the total shown and the first rows drawn).
// Prints one JSON line: {"runs_ms": [...]}.
import { chromium } from "playwright-core";

const { BASE_URL, USERNAME, PASSWORD, EXPECTED } = process.env;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${BASE_URL}/login`);
await page.getByRole("textbox", { name: /^Username/ }).fill(USERNAME);
await page.locator("input[type=password]").fill(PASSWORD);
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("heading", { name: "Environments" }).waitFor();

const runs = [];
for (let i = 0; i < 6; i++) {
  await page.goto("about:blank");
  const started = Date.now();
  await page.goto(`${BASE_URL}/environments/1/containers`);
  await page.getByTestId("container-total").getByText(`${EXPECTED} containers`).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid^="row-"]').first().waitFor();
  if (i > 0) runs.push(Date.now() - started); // the first run warms the browser's cache of nothing: a cold start
  else runs.unshift(Date.now() - started);
}
await browser.close();
console.log(JSON.stringify({ cold_ms: runs[0], runs_ms: runs.slice(1) }));
