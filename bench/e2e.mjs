// `npm run bench:e2e`: the broker as its users meet it. A librdkafka load generator (bench/e2e/loadgen.c,
// compiled here against Debian's librdkafka-dev) produces then consumes through TCP and the log of a
// broker started from dist/, for 100 B / 1 KiB / 16 KiB values, 1 and 100 partitions, acks=1 and
// acks=all, with the WASM and the JS codec. The broker's own CPU time comes from /proc/<pid>/stat:
// CPU-seconds per GB is stable on a noisy shared machine where MB/s is not.
// Writes bench/e2e-results.json, bench/e2e.svg and the generated section of BENCHMARKS.md.
// BENCH_E2E_MB (default 256) sets the data per run; BENCH_E2E_QUICK=1 runs 1 KiB only;
// BENCH_E2E_PROFILE=1 instead runs 1 KiB, acks=all, 1 partition, WASM with the broker under
// node --cpu-prof and writes bench/e2e-profile.txt (where the broker's CPU goes).
// The storage engines side by side (files, PostgreSQL with 1 and 3 brokers) are the cluster section of
// `npm run bench` (bench/cluster.mjs), on the same load generator (bench/e2e/load.mjs).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { compileLoadgen, measured, runLoadgen, startBrokers } from "./e2e/load.mjs";
import { e2ePlot } from "./e2e/plot.mjs";
import { profileSummary } from "./e2e/profile.mjs";

const root = new URL("../", import.meta.url);
const MB_PER_RUN = Number(process.env.BENCH_E2E_MB ?? 256);
const SIZES = process.env.BENCH_E2E_QUICK ? [1024] : [100, 1024, 16384];
const PARTITIONS = [1, 100];
const ACKS = ["1", "all"];
const CODECS = ["wasm", "js"];
const MAX_MESSAGES = 1_000_000;
const progress = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const loadgen = compileLoadgen();
  const runs = [];
  try {
    if (process.env.BENCH_E2E_PROFILE) {
      writeFileSync(new URL("bench/e2e-profile.txt", root), await profile(loadgen));
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

/** Replaces the generated section `name` ("e2e") of BENCHMARKS.md with `report`. */
function writeBenchmarksSection(name, report) {
  const BEGIN = `<!-- ${name} results: generated by npm run bench:${name} -->`;
  const END = `<!-- end of ${name} results -->`;
  const file = new URL("BENCHMARKS.md", root);
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`BENCHMARKS.md has no ${name} results markers`);
  writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${report}${text.slice(end)}`);
}

await main();
