// One broker as a child process (dist/main.js) with a generated server.properties: what
// `npm run cluster` and the end-to-end benchmark start. Resolves once it says it is listening.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = new URL("../dist/main.js", import.meta.url).pathname;
const START_TIMEOUT_MS = 15_000;

/**
 * `properties`: server.properties entries besides listeners and log.dirs (node.id, storage.engine...).
 * `nodeArgs`: options for node itself (--cpu-prof...). Resolves to { pid, bootstrap, stop() }.
 */
export async function startBrokerProcess({ port, properties = {}, env = {}, nodeArgs = [], stderr = "inherit" }) {
  const dir = mkdtempSync(join(tmpdir(), "kafka-broker-"));
  const file = join(dir, "server.properties");
  const lines = { "node.id": 1, listeners: `PLAINTEXT://127.0.0.1:${port}`, "log.dirs": join(dir, "data"), ...properties };
  writeFileSync(file, `${Object.entries(lines).map(([k, v]) => `${k}=${v}`).join("\n")}\n`);
  const child = spawn(process.execPath, ["--disable-wasm-trap-handler", ...nodeArgs, MAIN, file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", stderr],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!out.includes("listening")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`broker ${lines["node.id"]} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid,
    bootstrap: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
