// The built codec (dist/codec.js + dist/codec.wasm) in a real browser: Debian's Chromium, driven by
// playwright-core, loading a page that imports ./codec.js over HTTP like any web app would.
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { VectorOutcome } from "./codec-vectors.js";
import { describeWith } from "../support/system-clients.ts";
import { launchChromium } from "./chromium.ts";

const root = new URL("../../", import.meta.url);

const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="module">
  import { loadCodec } from "./codec.js";
  import { runCodecVectors } from "./codec-vectors.js";
  try {
    const hex = await (await fetch("./pineapple-batch.hex")).text();
    const codecs = { wasm: await loadCodec("wasm"), js: await loadCodec("js") };
    window.codecVectors = { results: runCodecVectors(codecs, hex) };
  } catch (error) {
    window.codecVectors = { error: String(error && error.stack || error) };
  }
</script>`;

const ROUTES: Record<string, { file?: string; body?: string; type: string }> = {
  "/": { body: PAGE, type: "text/html" },
  "/codec.js": { file: "dist/codec.js", type: "text/javascript" },
  "/codec.wasm": { file: "dist/codec.wasm", type: "application/wasm" },
  "/codec-vectors.js": { file: "test/browser/codec-vectors.js", type: "text/javascript" },
  "/pineapple-batch.hex": { file: "test/fixtures/codec/pineapple-batch.hex", type: "text/plain" },
};

function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const route = ROUTES[new URL(req.url ?? "/", "http://x").pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": route.type, "cache-control": "no-store" });
    res.end(route.body ?? readFileSync(new URL(route.file!, root)));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describeWith(["chromium"], "codec in Chromium", () => {
  let browser: Browser | undefined;
  let server: Server | undefined;

  beforeAll(async () => {
    for (const file of ["dist/codec.js", "dist/codec.wasm"]) {
      if (!existsSync(new URL(file, root))) throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
    server = await serve();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  it("passes every codec vector with both the WASM and the JS codec", async () => {
    const page = await browser!.newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
    page.on("response", (response) => {
      if (!response.ok()) failures.push(`HTTP ${response.status()} for ${response.url()}`);
    });
    const { port } = server!.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    const outcome: VectorOutcome = await page
      .waitForFunction(() => (window as unknown as { codecVectors?: VectorOutcome }).codecVectors, undefined, { timeout: 10_000 })
      .then((handle) => handle.jsonValue() as Promise<VectorOutcome>)
      .catch((error: Error) => ({ error: `${error.message}\n${failures.join("\n")}` }));
    await page.close();

    expect(outcome.error).toBeUndefined();
    const results = outcome.results!;
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // Both kinds ran every check (guards against a vector list that silently shrinks).
    expect(new Set(results.map((r) => r.kind))).toEqual(new Set(["wasm", "js", "wasm+js"]));
    expect(results.length).toBeGreaterThanOrEqual(17);
  });
});
