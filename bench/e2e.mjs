// `npm run bench:e2e`: the broker as its users meet it. A librdkafka load generator (bench/e2e/loadgen.c,
// compiled here against Debian's librdkafka-dev) produces then consumes through TCP and the log of a
// broker started from dist/, for 100 B / 1 KiB / 16 KiB values, 1 and 100 partitions, acks=1 and
// acks=all, with the WASM and the JS codec. The broker's own CPU time comes from /proc/<pid>/stat:
// CPU-seconds per GB is stable on a noisy shared machine where MB/s is not.
// Writes bench/e2e-results.json, bench/e2e.svg and the generated section of BENCHMARKS.md.
// BENCH_E2E_MB (default 256) sets the data per run; BENCH_E2E_QUICK=1 runs 1 KiB only;
// BENCH_E2E_PROFILE=1 instead runs 1 KiB, acks=all, 1 partition, WASM with the broker under
// node --cpu-prof and writes bench/e2e-profile.txt (where the broker's CPU goes).
// `--storage` (npm run bench:cluster) instead runs 1 KiB, acks=all, 1 and 12 partitions through the files
// engine and 1 and 3 brokers sharing PostgreSQL (64 MB per run unless BENCH_E2E_MB), counting the
// database's statements per Produce; writes bench/storage-results.json, bench/storage.svg and its section.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { e2ePlot } from "./e2e/plot.mjs";
import { profileSummary } from "./e2e/profile.mjs";
import { produceRequests, startCountingPostgres, storageMarkdown, storagePlot } from "./e2e/storage.mjs";
import { startBrokerProcess } from "../scripts/broker-process.mjs";

const root = new URL("../", import.meta.url);
const MB_PER_RUN = Number(process.env.BENCH_E2E_MB ?? 256);
const SIZES = process.env.BENCH_E2E_QUICK ? [1024] : [100, 1024, 16384];
const PARTITIONS = [1, 100];
const ACKS = ["1", "all"];
const CODECS = ["wasm", "js"];
const MAX_MESSAGES = 1_000_000;
const STORAGE_SETUPS = [{ engine: "files", brokers: 1 }, { engine: "postgres", brokers: 1 }, { engine: "postgres", brokers: 3 }];
const STORAGE_MB = Number(process.env.BENCH_E2E_MB ?? 64);
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
const progress = (line) => process.stderr.write(`${line}\n`);

function compileLoadgen() {
  const out = join(tmpdir(), `loadgen-${process.pid}`);
  execFileSync("gcc", ["-O2", "-o", out, new URL("e2e/loadgen.c", import.meta.url).pathname, "-lrdkafka"], { stdio: "inherit" });
  return out;
}

/** utime and stime of the processes `pids` (every thread), in seconds. */
function cpuSeconds(pids) {
  const total = { user: 0, system: 0 };
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    total.user += Number(fields[11]) / CLOCK_TICKS;
    total.system += Number(fields[12]) / CLOCK_TICKS;
  }
  return total;
}

/** Resident memory of the processes `pids`, summed. */
function memory(pids) {
  const total = { rssMiB: 0, peakRssMiB: 0 };
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    total.rssMiB += kib("VmRSS") / 1024;
    total.peakRssMiB += kib("VmHWM") / 1024;
  }
  return total;
}

/** One broker on the files engine (the e2e matrix), or `brokers` sharing the database at `postgresUrl`. */
async function startBrokers({ codec = "wasm", partitions, profileDir, brokers = 1, postgresUrl, httpPorts }) {
  const first = 19000 + Math.floor(Math.random() * 20000);
  const started = [];
  for (let id = 1; id <= brokers; id++) {
    const properties = { "node.id": id, "num.partitions": partitions, "auto.create.topics.enable": true };
    if (postgresUrl) Object.assign(properties, { "storage.engine": "postgres", "storage.postgres.url": postgresUrl });
    if (httpPorts) properties["http.listeners"] = `http://127.0.0.1:${first + brokers + id}`;
    const nodeArgs = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
    started.push({ ...(await startBrokerProcess({ port: first + id - 1, properties, env: { KAFKA_CODEC: codec }, nodeArgs })), http: first + brokers + id });
  }
  return {
    pids: started.map((b) => b.pid),
    bootstrap: started.map((b) => b.bootstrap).join(","),
    httpPorts: started.map((b) => b.http),
    stop: () => Promise.all(started.map((b) => b.stop())),
  };
}

function runLoadgen(loadgen, args) {
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
async function measured(broker, loadgen, args) {
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

async function main() {
  const loadgen = compileLoadgen();
  const runs = [];
  try {
    if (process.env.BENCH_E2E_PROFILE) {
      writeFileSync(new URL("bench/e2e-profile.txt", root), await profile(loadgen));
      return;
    }
    if (process.argv.includes("--storage")) {
      const results = { date: new Date().toISOString(), machine: machine(), runs: await storageRuns(loadgen) };
      writeFileSync(new URL("bench/storage-results.json", root), `${JSON.stringify(results, null, 2)}\n`);
      writeFileSync(new URL("bench/storage.svg", root), storagePlot(results.runs));
      const report = storageMarkdown(results);
      writeBenchmarksSection("storage", report);
      process.stdout.write(report);
      return;
    }
    for (const codec of CODECS) {
      for (const partitions of PARTITIONS) {
        const broker = await startBrokers({ codec, partitions });
        try {
          for (const size of SIZES) {
            for (const acks of ACKS) {
              const count = Math.min(MAX_MESSAGES, Math.floor((MB_PER_RUN * 1024 * 1024) / size));
              const topic = `bench-${size}-${acks}`;
              // Created first (its directories, files and fsyncs), outside what the produce is charged for.
              await runLoadgen(loadgen, ["create", broker.bootstrap, topic]);
              const produce = await measured(broker, loadgen, ["produce", broker.bootstrap, topic, String(size), String(count), acks]);
              const consume = await measured(broker, loadgen, ["consume", broker.bootstrap, topic, String(partitions), String(count)]);
              const run = { codec, partitions, size, acks, count, produce, consume };
              runs.push(run);
              progress(`${codec} p=${partitions} ${size} B acks=${acks}: produce ${produce.mbPerSec.toFixed(0)} MB/s ` +
                `${produce.cpuSecondsPerGB.toFixed(2)} CPU-s/GB p99 ${produce.p99Ms.toFixed(1)} ms; consume ${consume.mbPerSec.toFixed(0)} MB/s ` +
                `${consume.cpuSecondsPerGB.toFixed(2)} CPU-s/GB`);
            }
          }
        } finally {
          await broker.stop();
        }
      }
    }
    // Latency where there is headroom: 1 KiB, acks=all, 1 partition, at half the peak rate measured above.
    const halfPeak = [];
    for (const codec of CODECS) {
      const peak = runs.find((r) => r.codec === codec && r.partitions === 1 && r.size === 1024 && r.acks === "all");
      if (!peak) continue;
      const rate = Math.round(peak.produce.msgsPerSec / 2);
      const count = Math.min(MAX_MESSAGES, Math.max(rate * 10, 10_000));
      const broker = await startBrokers({ codec, partitions: 1 });
      try {
        await runLoadgen(loadgen, ["create", broker.bootstrap, "bench-half-peak"]);
        const produce = await measured(broker, loadgen, ["produce", broker.bootstrap, "bench-half-peak", "1024", String(count), "all", String(rate)]);
        halfPeak.push({ codec, rate, count, produce });
        progress(`${codec} half peak (${rate} msgs/s, 1 KiB, acks=all): p50 ${produce.p50Ms.toFixed(2)} ms, p99 ${produce.p99Ms.toFixed(2)} ms`);
      } finally {
        await broker.stop();
      }
    }
    const results = {
      date: new Date().toISOString(),
      machine: machine(),
      client: execFileSync("sh", ["-c", "dpkg-query -W -f='${Version}' librdkafka-dev"]).toString().trim(),
      mbPerRun: MB_PER_RUN,
      runs,
      halfPeak,
    };
    writeFileSync(new URL("bench/e2e-results.json", root), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(new URL("bench/e2e.svg", root), e2ePlot(runs));
    const report = e2eMarkdown(results);
    writeBenchmarksSection("e2e", report);
    process.stdout.write(report);
  } finally {
    rmSync(loadgen, { force: true });
  }
}

const machine = () => ({ cpus: cpus().length, model: cpus()[0]?.model, node: process.version });

/**
 * `--storage`: 1 KiB at acks=all through one broker on the files engine and through 1 and 3 brokers
 * sharing PostgreSQL, with what the database did per Produce request.
 */
async function storageRuns(loadgen) {
  const count = Math.floor((STORAGE_MB * 1024 * 1024) / 1024);
  const runs = [];
  for (const setup of STORAGE_SETUPS) {
    for (const partitions of [1, 12]) {
      const db = setup.engine === "postgres" ? await startCountingPostgres() : undefined;
      try {
        const broker = await startBrokers({ partitions, brokers: setup.brokers, postgresUrl: db?.url, httpPorts: true });
        try {
          const topic = "bench-storage";
          await runLoadgen(loadgen, ["create", broker.bootstrap, topic]);
          const requestsBefore = await produceRequests(broker.httpPorts);
          await db?.reset();
          const produce = await measured(broker, loadgen, ["produce", broker.bootstrap, topic, "1024", String(count), "all"]);
          const requests = (await produceRequests(broker.httpPorts)) - requestsBefore;
          const database = await db?.produceWork(topic, count, requests);
          const consume = await measured(broker, loadgen, ["consume", broker.bootstrap, topic, String(partitions), String(count)]);
          runs.push({ ...setup, partitions, size: 1024, acks: "all", count, produceRequests: requests, produce, consume, database });
          progress(`${setup.engine} × ${setup.brokers} p=${partitions}: produce ${produce.mbPerSec.toFixed(0)} MB/s p99 ${produce.p99Ms.toFixed(1)} ms; ` +
            `consume ${consume.mbPerSec.toFixed(0)} MB/s; ${requests} Produce requests${database ? `, ${database.statements} statements, ${database.batchRows} batch rows` : ""}`);
        } finally {
          await broker.stop();
        }
      } finally {
        db?.stop();
      }
    }
  }
  return runs;
}

/** Produce then consume 1 KiB at acks=all with the broker under --cpu-prof (written when it exits). */
async function profile(loadgen) {
  const count = Math.floor((MB_PER_RUN * 1024 * 1024) / 1024);
  const dir = mkdtempSync(join(tmpdir(), "bench-e2e-prof-"));
  try {
    const broker = await startBrokers({ partitions: 1, profileDir: dir });
    await runLoadgen(loadgen, ["create", broker.bootstrap, "profiled"]);
    const produce = await measured(broker, loadgen, ["produce", broker.bootstrap, "profiled", "1024", String(count), "all"]);
    const consume = await measured(broker, loadgen, ["consume", broker.bootstrap, "profiled", "1", String(count)]);
    await broker.stop();
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    return `Broker profile: produce then consume ${count} × 1 KiB, acks=all, 1 partition, WASM codec, one broker ` +
      `(start-up and the fsync of its clean shutdown included); under the profiler produce took ` +
      `${produce.cpuSecondsPerGB.toFixed(2)} CPU-s/GB, consume ${consume.cpuSecondsPerGB.toFixed(2)}.\n\n` +
      profileSummary(join(dir, file), 25);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const cpu = (phase) => `${f(phase.cpuSecondsPerGB, 2)} (${f(phase.systemCpuSecondsPerGB, 2)})`;
const sizeName = (size) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

export function e2eMarkdown({ date, machine, client, mbPerRun, runs, halfPeak }) {
  const lines = [];
  lines.push(`Run ${date.slice(0, 16).replace("T", " ")} UTC on ${machine.cpus} × ${machine.model}, Node ${machine.node}, ` +
    `librdkafka ${client} on the same cores; about ${mbPerRun} MB (at most 1 M messages) per run.`);
  lines.push("");
  lines.push("CPU-s/GB is the broker's user + system time per GB of values; in brackets the system (kernel) part.");
  lines.push("");
  lines.push("| codec | partitions | value | acks | produce MB/s | msgs/s | p50 ms | p99 ms | produce CPU-s/GB | consume MB/s | consume CPU-s/GB | broker RSS MiB |");
  lines.push("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of runs) {
    lines.push(`| ${r.codec} | ${r.partitions} | ${sizeName(r.size)} | ${r.acks} | ${f(r.produce.mbPerSec)} | ${f(r.produce.msgsPerSec)} | ` +
      `${f(r.produce.p50Ms, 1)} | ${f(r.produce.p99Ms, 1)} | ${cpu(r.produce)} | ${f(r.consume.mbPerSec)} | ` +
      `${cpu(r.consume)} | ${f(r.consume.rssMiB)} |`);
  }
  lines.push("");
  if (halfPeak.length > 0) {
    lines.push("Produce latency at half the peak rate (1 KiB, acks=all, 1 partition, rate-limited client):");
    lines.push("");
    lines.push("| codec | rate msgs/s | p50 ms | p99 ms | max ms |");
    lines.push("|---|---:|---:|---:|---:|");
    for (const h of halfPeak) lines.push(`| ${h.codec} | ${h.rate} | ${f(h.produce.p50Ms, 2)} | ${f(h.produce.p99Ms, 2)} | ${f(h.produce.maxMs, 1)} |`);
    lines.push("");
  }
  lines.push("![Broker CPU-seconds per GB, produce and consume](bench/e2e.svg)");
  lines.push("");
  return `${lines.join("\n")}\n`;
}

const SCRIPT = { e2e: "npm run bench:e2e", storage: "npm run bench:cluster" };

/** Replaces the generated section `name` ("e2e", "storage") of BENCHMARKS.md with `report`. */
function writeBenchmarksSection(name, report) {
  const BEGIN = `<!-- ${name} results: generated by ${SCRIPT[name]} -->`;
  const END = `<!-- end of ${name} results -->`;
  const file = new URL("BENCHMARKS.md", root);
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`BENCHMARKS.md has no ${name} results markers`);
  writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${report}${text.slice(end)}`);
}

await main();
