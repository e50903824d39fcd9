// The built codec inside workerd (the Cloudflare Workers runtime): an ES-module worker imports
// dist/codec.js and receives dist/codec.wasm as a precompiled `wasm` module binding, because
// workerd forbids compiling WebAssembly from bytes at run time.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../../scripts/free-port.mjs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VectorOutcome } from "../browser/codec-vectors.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const WORKERD = join(root, "node_modules/.bin/workerd");
const STARTUP_DEADLINE_MS = 15_000;

const WORKER = `
import { loadCodec } from "./codec.js";
import { runCodecVectors } from "./codec-vectors.js";
import codecModule from "./codec.wasm";
import pineappleHex from "./pineapple-batch.hex";

export default {
  async fetch() {
    try {
      const codecs = { wasm: await loadCodec("wasm", { wasm: codecModule }), js: await loadCodec("js") };
      return Response.json({ results: runCodecVectors(codecs, pineappleHex) });
    } catch (error) {
      return Response.json({ error: String(error && error.stack || error) });
    }
  },
};
`;

function config(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .codecWorker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const codecWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "codec.js", esModule = embed "codec.js"),
    (name = "codec-vectors.js", esModule = embed "codec-vectors.js"),
    (name = "codec.wasm", wasm = embed "codec.wasm"),
    (name = "pineapple-batch.hex", text = embed "pineapple-batch.hex"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
}


describe("codec in workerd", () => {
  let dir: string;
  let workerd: ChildProcess | undefined;
  let output = "";
  let exited: string | undefined;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(WORKERD)) throw new Error(`${WORKERD} is missing: the workerd devDependency is not installed`);
    for (const file of ["dist/codec.js", "dist/codec.wasm"]) {
      if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
    dir = mkdtempSync(join(tmpdir(), "codec-workerd-"));
    copyFileSync(join(root, "dist/codec.js"), join(dir, "codec.js"));
    copyFileSync(join(root, "dist/codec.wasm"), join(dir, "codec.wasm"));
    copyFileSync(join(root, "test/browser/codec-vectors.js"), join(dir, "codec-vectors.js"));
    copyFileSync(join(root, "test/fixtures/codec/pineapple-batch.hex"), join(dir, "pineapple-batch.hex"));
    writeFileSync(join(dir, "worker.js"), WORKER);
    const port = await freePort();
    writeFileSync(join(dir, "config.capnp"), config(port));
    url = `http://127.0.0.1:${port}/`;

    workerd = spawn(WORKERD, ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    workerd.stdout!.on("data", (chunk) => (output += chunk));
    workerd.stderr!.on("data", (chunk) => (output += chunk));
    workerd.once("exit", (code, signal) => (exited = `workerd exited (code ${code}, signal ${signal})`));
    workerd.once("error", (error) => (exited = `workerd failed to start: ${error.message}`));
  });

  afterAll(async () => {
    if (workerd && workerd.exitCode === null && workerd.signalCode === null) {
      const gone = new Promise((resolve) => workerd!.once("exit", resolve));
      workerd.kill("SIGTERM");
      await gone;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Polls until workerd answers, it dies, or the deadline passes; each failure says why. */
  async function fetchVectors(): Promise<VectorOutcome> {
    const deadline = Date.now() + STARTUP_DEADLINE_MS;
    for (;;) {
      if (exited) throw new Error(`${exited}\n${output}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}\n${output}`);
        return await response.json();
      } catch (error) {
        const refused = (error as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED";
        if (!refused || Date.now() > deadline) throw new Error(`${(error as Error).message}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("passes every codec vector with both the WASM and the JS codec", async () => {
    const outcome = await fetchVectors();
    expect(outcome.error).toBeUndefined();
    const results = outcome.results!;
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(results.map((r) => r.kind))).toEqual(new Set(["wasm", "js", "wasm+js"]));
    expect(results.length).toBeGreaterThanOrEqual(17);
  });
});
