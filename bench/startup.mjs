// Start-up cost of the test kit: milliseconds from calling startBroker() (in this process) or
// spawning `node dist/main.js` (a child process) to the first answered ApiVersions request, and
// from startCluster({ brokers: 3 }) to every broker of it answering. Each run starts fresh; the
// first in-process run also pays for loading the codec, so it is reported apart.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { freePort } from "../scripts/free-port.mjs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker, startCluster } from "../dist/testing.js";

const repoRoot = new URL("..", import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 20);
const CHILD_RUNS = Number(process.env.BENCH_STARTUP_CHILD_RUNS ?? 8);

/** ApiVersions v0 with correlation id 1 and client id "bench", as a size-prefixed frame. */
const API_VERSIONS = (() => {
  const clientId = Buffer.from("bench");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
})();

/** Resolves once the broker at `port` answered ApiVersions; connection refusals are retried (a child still starting). */
function apiVersions(port) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, "127.0.0.1");
      let got = Buffer.alloc(0);
      socket.once("connect", () => socket.write(API_VERSIONS));
      socket.on("data", (d) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
          socket.destroy();
          if (got.readInt16BE(8) !== 0) reject(new Error(`ApiVersions answered error ${got.readInt16BE(8)}`));
          else resolve();
        }
      });
      socket.once("error", (err) => {
        socket.destroy();
        if (err.code === "ECONNREFUSED") setTimeout(attempt, 1);
        else reject(err);
      });
    };
    attempt();
  });
}


async function inProcess(options) {
  const started = performance.now();
  const broker = await startBroker(options);
  await apiVersions(broker.port);
  const ms = performance.now() - started;
  await broker.close();
  return ms;
}

async function cluster() {
  const started = performance.now();
  const c = await startCluster({ brokers: 3 });
  await Promise.all(c.liveBrokers.map((id) => apiVersions(c.broker(id).port)));
  const ms = performance.now() - started;
  await c.close();
  return ms;
}

async function child(root, storage) {
  const port = await freePort();
  const properties = join(root, `server-${port}.properties`);
  writeFileSync(properties, [`node.id=1`, `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${join(root, `logs-${port}`)}`, `storage.engine=${storage}`].join("\n"));
  const started = performance.now();
  const proc = spawn(process.execPath, ["--disable-wasm-trap-handler", join(repoRoot, "dist", "main.js"), properties], { stdio: "ignore" });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  await apiVersions(port);
  const ms = performance.now() - started;
  proc.kill("SIGTERM");
  await exited;
  return ms;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function series(label, runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await fn());
  const sorted = [...times].sort((a, b) => a - b);
  return { label, runs, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), minMs: sorted[0] };
}

export async function startupSection() {
  const root = mkdtempSync(join(tmpdir(), "startup-bench-"));
  try {
    const firstMs = await inProcess({ storage: "memory" });
    return {
      firstInProcessMs: firstMs,
      rows: [
        await series("startBroker({ storage: \"memory\" }), in-process", RUNS, () => inProcess({ storage: "memory" })),
        await series("startBroker() (files, fresh temp dir), in-process", RUNS, () => inProcess({})),
        await series("startCluster({ brokers: 3 }), in-process, all three answering", RUNS, cluster),
        await series("node dist/main.js, memory storage, child process", CHILD_RUNS, () => child(root, "memory")),
        await series("node dist/main.js, files, child process", CHILD_RUNS, () => child(root, "files")),
      ],
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
