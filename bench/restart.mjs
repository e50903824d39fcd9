// Restart cost: the time from starting the broker (node dist/main.js) to its first answer about one
// partition, for 1, 4 and 16 GiB of small batches, in three situations:
//   - full scan: no index files, no checkpoints, no clean-shutdown marker, i.e. every segment is
//     walked batch by batch, which is what every restart cost before persisted indexes;
//   - clean: after a SIGTERM shutdown (indexes, checkpoints and .kafka_cleanshutdown written);
//   - after kill -9: a crash right after a clean start, so only the segment holding the recovery
//     point (the active one, up to log.segment.bytes) is walked.
// The segment files are written directly (a template batch repeated with its base offset patched;
// the offset is outside the CRC), so a 16 GiB log takes seconds to make. Everything is removed at
// the end. BENCH_RESTART_GIB="1,4" picks the sizes.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeFileSync, writeSync } from "node:fs";
import { freePort } from "../scripts/free-port.mjs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { loadCodec } from "../dist/codec.js";

const GIB = 1024 ** 3;
const SEGMENT_BYTES = GIB;
const TOPIC = "restart-bench";
const VALUE_BYTES = 1000;
const CHUNK_BATCHES = 1024;
const repoRoot = new URL("..", import.meta.url).pathname;
const progress = (line) => process.stderr.write(`${line}\n`);


/** Starts the broker on `logDir`; resolves with the child, its port and the start time (ms, performance.now()). */
async function startBroker(logDir, root) {
  const port = await freePort();
  const properties = join(root, "server.properties");
  writeFileSync(properties, [`node.id=1`, `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${logDir}`, `log.cleaner.enable=false`].join("\n"));
  const startedAt = performance.now();
  const child = spawn(process.execPath, ["--disable-wasm-trap-handler", join(repoRoot, "dist", "main.js"), properties], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, port, startedAt, exited, output: () => output };
}

/** The first answer about the partition: its latest offset (ListOffsets, which opens the log), retried until the broker listens. */
async function firstAnswer(port) {
  const kafka = new Kafka({ clientId: "restart-bench", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = performance.now() + 600_000;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const [partition] = await admin.fetchTopicOffsets(TOPIC);
      return { at: performance.now(), high: BigInt(partition.high) };
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

async function stop(broker, signal) {
  broker.child.kill(signal);
  await broker.exited;
}

/** One restart: start, first answer, then stop the way `then` says. Returns ms from start to the answer. */
async function timeRestart(logDir, root, expectedEnd, then) {
  const broker = await startBroker(logDir, root);
  const { at, high } = await firstAnswer(broker.port);
  if (high !== expectedEnd) throw new Error(`the broker answered log end ${high}, expected ${expectedEnd}:\n${broker.output()}`);
  await stop(broker, then);
  return at - broker.startedAt;
}

/** A chunk of CHUNK_BATCHES one-record batches, back to back, and each batch's length. */
async function templateChunk() {
  const codec = await loadCodec("js");
  const value = new Uint8Array(VALUE_BYTES).map((_, i) => (i * 31) & 0xff);
  const batch = codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: 0, attributes: 0, lastOffsetDelta: 0, firstTimestamp: 1_726_045_973_899n,
    maxTimestamp: 1_726_045_973_899n, producerId: -1n, producerEpoch: -1, baseSequence: -1,
    records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value, headers: [] }],
  });
  const chunk = Buffer.alloc(batch.length * CHUNK_BATCHES);
  for (let i = 0; i < CHUNK_BATCHES; i++) chunk.set(batch, i * batch.length);
  return { chunk, batchBytes: batch.length };
}

/** Writes segment files from `fromBytes` up to `toBytes` of log; returns the log end offset. */
function writeSegments(partitionDir, template, fromBytes, toBytes) {
  const { chunk, batchBytes } = template;
  const batchesPerSegment = Math.floor(SEGMENT_BYTES / batchBytes);
  const chunksPerSegment = Math.floor(batchesPerSegment / CHUNK_BATCHES);
  const perSegment = chunksPerSegment * CHUNK_BATCHES;
  let offset = BigInt((fromBytes / SEGMENT_BYTES) * perSegment);
  for (let segment = fromBytes / SEGMENT_BYTES; segment < toBytes / SEGMENT_BYTES; segment++) {
    const fd = openSync(join(partitionDir, `${offset.toString().padStart(20, "0")}.log`), "w");
    for (let c = 0; c < chunksPerSegment; c++) {
      for (let i = 0; i < CHUNK_BATCHES; i++) chunk.writeBigInt64BE(offset++, i * batchBytes);
      writeSync(fd, chunk);
    }
    closeSync(fd);
  }
  return offset;
}

/** Removes what a broker wrote to make restarts cheap: the partition's indexes, the checkpoints and the marker. */
function forgetEverything(logDir, partitionDir) {
  for (const f of readdirSync(partitionDir)) if (f.endsWith(".index") || f.endsWith(".timeindex")) rmSync(join(partitionDir, f));
  for (const f of ["recovery-point-offset-checkpoint", "log-start-offset-checkpoint", ".kafka_cleanshutdown"]) rmSync(join(logDir, f), { force: true });
}

export async function restartSection(sizesGib = (process.env.BENCH_RESTART_GIB ?? "1,4,16").split(",").map(Number)) {
  const root = mkdtempSync(join(tmpdir(), "restart-bench-"));
  const needed = Math.max(...sizesGib) * GIB * 1.05;
  const { bavail, bsize } = statfsSync(root);
  if (bavail * bsize < needed) throw new Error(`restart bench needs ${(needed / GIB).toFixed(1)} GiB free in ${root}, has ${((bavail * bsize) / GIB).toFixed(1)}`);
  const logDir = join(root, "logs");
  const rows = [];
  try {
    // The topic exists in the metadata log like any created one; its partition's files are then written directly.
    const setup = await startBroker(logDir, root);
    const kafka = new Kafka({ clientId: "restart-bench", brokers: [`127.0.0.1:${setup.port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await admin.disconnect();
    await stop(setup, "SIGTERM");
    const partitionDir = join(logDir, `${TOPIC}-0`);
    for (const f of readdirSync(partitionDir)) if (/^\d{20}\./.test(f)) rmSync(join(partitionDir, f));

    const template = await templateChunk();
    let written = 0;
    let logEnd = 0n;
    for (const gib of [...sizesGib].sort((a, b) => a - b)) {
      const started = performance.now();
      logEnd = writeSegments(partitionDir, template, written, gib * GIB);
      written = gib * GIB;
      progress(`restart bench: wrote ${gib} GiB (${logEnd} batches) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      forgetEverything(logDir, partitionDir);
      const fullScan = await timeRestart(logDir, root, logEnd, "SIGTERM");
      if (!existsSync(join(logDir, ".kafka_cleanshutdown"))) throw new Error("no clean-shutdown marker after SIGTERM");
      const clean = await timeRestart(logDir, root, logEnd, "SIGKILL");
      const afterKill = await timeRestart(logDir, root, logEnd, "SIGTERM");
      rows.push({ gib, batches: Number(logEnd), batchBytes: template.batchBytes, segments: gib, fullScanMs: fullScan, cleanMs: clean, afterKillMs: afterKill });
      progress(`restart bench ${gib} GiB: full scan ${fullScan.toFixed(0)} ms, clean ${clean.toFixed(0)} ms, after kill -9 ${afterKill.toFixed(0)} ms`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { segmentBytes: SEGMENT_BYTES, valueBytes: VALUE_BYTES, rows };
}
