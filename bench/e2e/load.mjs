// The end-to-end benchmarks' moving parts: the librdkafka load generator (loadgen.c, compiled against
// Debian's librdkafka-dev), brokers started from dist/ as child processes (files engine, or several
// sharing one PostgreSQL), and one measured phase with the brokers' CPU time (/proc/<pid>/stat) and
// memory over it. Used by `npm run bench:e2e` (bench/e2e.mjs) and the cluster section of `npm run bench`.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBrokerProcess } from "../../scripts/broker-process.mjs";
import { freePort } from "../../scripts/free-port.mjs";

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

export function compileLoadgen() {
  const out = join(tmpdir(), `loadgen-${process.pid}`);
  execFileSync("gcc", ["-O2", "-o", out, new URL("loadgen.c", import.meta.url).pathname, "-lrdkafka"], { stdio: "inherit" });
  return out;
}

/** The parent, utime and stime (every thread, in seconds) of process `pid`, from /proc/<pid>/stat. */
export function processStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { ppid: Number(fields[1]), user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
}

/** utime and stime of the processes `pids`, summed. */
export function cpuSeconds(pids) {
  const total = { user: 0, system: 0 };
  for (const pid of pids) {
    const { user, system } = processStat(pid);
    total.user += user;
    total.system += system;
  }
  return total;
}

/** Resident memory of the processes `pids`, summed. */
export function memory(pids) {
  const total = { rssMiB: 0, peakRssMiB: 0 };
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    total.rssMiB += kib("VmRSS") / 1024;
    total.peakRssMiB += kib("VmHWM") / 1024;
  }
  return total;
}

/** Metadata v1 for no topics (an empty array), correlation id 1, client id "bench", as a size-prefixed frame. */
const METADATA = (() => {
  const clientId = Buffer.from("bench");
  const frame = Buffer.alloc(4 + 10 + clientId.length + 4);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(3, 4);
  frame.writeInt16BE(1, 6);
  frame.writeInt32BE(1, 8);
  frame.writeInt16BE(clientId.length, 12);
  clientId.copy(frame, 14);
  return frame; // the topics array's count is the trailing 0
})();

/** How many brokers the broker at `bootstrap` lists in Metadata (the v1 response's brokers count). */
function listedBrokers(bootstrap) {
  const [host, port] = bootstrap.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host, () => socket.write(METADATA));
    let got = Buffer.alloc(0);
    socket.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 12) {
        socket.destroy();
        resolve(got.readInt32BE(8));
      }
    });
    socket.once("error", reject);
  });
}

/**
 * Waits until the broker at `bootstrap` lists `brokers` brokers: each learns of the others at its
 * next lease renewal, and until then its Metadata answers name itself the leader of everything.
 */
async function seesAll(bootstrap, brokers) {
  const deadline = Date.now() + 15_000;
  while ((await listedBrokers(bootstrap)) < brokers) {
    if (Date.now() > deadline) throw new Error(`${bootstrap} does not list ${brokers} brokers`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One broker on the files engine (the e2e matrix), or `brokers` sharing the database at `postgresUrl`. */
export async function startBrokers({ codec = "wasm", partitions, profileDir, brokers = 1, postgresUrl, httpPorts }) {
  const started = [];
  for (let id = 1; id <= brokers; id++) {
    const properties = { "node.id": id, "num.partitions": partitions, "auto.create.topics.enable": true };
    if (postgresUrl) Object.assign(properties, { "storage.engine": "postgres", "storage.postgres.url": postgresUrl });
    const http = httpPorts ? await freePort() : undefined;
    if (http) properties["http.listeners"] = `http://127.0.0.1:${http}`;
    const nodeArgs = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
    started.push({ ...(await startBrokerProcess({ port: await freePort(), properties, env: { KAFKA_CODEC: codec }, nodeArgs })), http });
  }
  if (brokers > 1) await Promise.all(started.map((b) => seesAll(b.bootstrap, brokers)));
  return {
    pids: started.map((b) => b.pid),
    bootstrap: started.map((b) => b.bootstrap).join(","),
    httpPorts: started.map((b) => b.http),
    stop: () => Promise.all(started.map((b) => b.stop())),
  };
}

export function runLoadgen(loadgen, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(loadgen, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`loadgen ${args.join(" ")} exited with ${code}: ${out}`));
      else resolve(JSON.parse(out.trim().split("\n").pop()));
    });
  });
}

/** Runs one phase and adds the brokers' CPU and memory over it. */
export async function measured(broker, loadgen, args) {
  const before = cpuSeconds(broker.pids);
  const result = await runLoadgen(loadgen, args);
  const after = cpuSeconds(broker.pids);
  const user = after.user - before.user;
  const system = after.system - before.system;
  const gb = result.bytes / 1e9;
  return {
    ...result,
    mbPerSec: result.bytes / 1e6 / result.seconds,
    msgsPerSec: result.messages / result.seconds,
    brokerCpuSeconds: user + system,
    cpuSecondsPerGB: (user + system) / gb,
    /** The kernel's share (socket copies, page-cache writes, page faults). */
    systemCpuSecondsPerGB: system / gb,
    ...memory(broker.pids),
  };
}
