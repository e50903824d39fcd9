// A topic created with cleanup.policy=compact by KafkaJS, written by an idempotent KafkaJS producer
// (keyed values and tombstones), compacted by the broker's LogCleaner, then read from the beginning
// by a KafkaJS consumer group and by kcat: each key's last value once, deleted keys gone, offsets
// increasing with the gaps compaction left. The same for topics kcat writes with each compression
// codec: the cleaner reads the compressed batches and writes what it keeps with the same codec.
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import { CONTROL_BATCH, readBatchHeader } from "../../src/codec/batch-header.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { COMPRESSION_MASK } from "../../src/codec/batch-header.ts";
import { decompressBatch } from "../../src/storage/record-compression.ts";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { consumeWithGroup } from "./support/kafkajs.ts";
import { runOk } from "./support/process.ts";
import { describeWith } from "../support/system-clients.ts";

const TOPIC = "compacted-state";
const KEYS = 10;
const ROUNDS = 12;
/** Keys k0..k2 are deleted in the last round. */
const DELETED = 3;
const FILLERS = 40;
const codec = await loadCodec("js");

let broker: TestBroker;
let kafka: Kafka;

/** What a reader from the start must end up with: the last value of each key not deleted. */
const expected = new Map(Array.from({ length: KEYS - DELETED }, (_, i) => [`k${i + DELETED}`, `round-${ROUNDS - 1}-k${i + DELETED}`]));

const COMPACTED_CONFIGS = [
  { name: "cleanup.policy", value: "compact" },
  { name: "segment.bytes", value: "2048" },
  { name: "min.cleanable.dirty.ratio", value: "0.01" },
  { name: "delete.retention.ms", value: "0" },
];

async function createCompacted(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: COMPACTED_CONFIGS }] });
  await admin.disconnect();
}

beforeAll(async () => {
  broker = await startTestBroker({ logCleanerBackoffMs: 20 });
  kafka = new Kafka({ clientId: "compaction-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  await createCompacted(TOPIC);

  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KEYS; k++) {
      const deleted = round === ROUNDS - 1 && k < DELETED;
      await producer.send({ topic: TOPIC, messages: [{ key: `k${k}`, value: deleted ? null : `round-${round}-k${k}` }] });
    }
  }
  // Distinct keys after the state, so the state's records all lie in segments the cleaner may clean.
  for (let i = 0; i < FILLERS; i++) await producer.send({ topic: TOPIC, messages: [{ key: `filler-${i}`, value: "x".repeat(40) }] });
  await producer.disconnect();
}, 60_000);

afterAll(async () => {
  await broker?.dispose();
});

/** The records the partition holds now, read straight from the broker's log, with the compression codec of each batch. */
async function stored(topic = TOPIC): Promise<{ key: string; value: string | null; compression: number }[]> {
  const log = (await broker.running.broker.storage.getLog(topic, 0))!;
  const out: { key: string; value: string | null; compression: number }[] = [];
  for (const bytes of log.batches() as Iterable<Uint8Array>) {
    for (const { position, size } of batchSpans(bytes)) {
      const batch = bytes.subarray(position, position + size);
      const { attributes } = readBatchHeader(batch);
      if (attributes & CONTROL_BATCH) continue;
      const compression = attributes & COMPRESSION_MASK;
      const records = codec.decodeRecordBatch(compression === 0 ? batch : decompressBatch(batch, 1 << 24, (b) => codec.crc32c(b))!).records;
      for (const r of records) out.push({ key: Buffer.from(r.key!).toString(), value: r.value && Buffer.from(r.value).toString(), compression });
    }
  }
  return out;
}

describe("a compacted topic", () => {
  it("is compacted by the broker: one record per key, deleted keys gone once delete.retention.ms passed", async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const state = (await stored()).filter((r) => !r.key.startsWith("filler-"));
      if (state.length === expected.size && new Map(state.map((r) => [r.key, r.value])).size === expected.size) break;
      if (Date.now() > deadline) throw new Error(`not compacted in time: ${state.length} state records left`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(new Map((await stored()).filter((r) => !r.key.startsWith("filler-")).map((r) => [r.key, r.value]))).toEqual(expected);
  });

  it("reads back with a KafkaJS consumer group from the beginning", async () => {
    const received = await consumeWithGroup(kafka, "compaction-readers", TOPIC, expected.size + FILLERS, true);
    const offsets = received.map((m) => m.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    // Compaction left gaps: the last offset is far past the number of records read.
    expect(offsets[offsets.length - 1]).toBe(KEYS * ROUNDS + FILLERS - 1);
    const state = new Map(received.filter((m) => !m.key!.startsWith("filler-")).map((m) => [m.key, m.value]));
    expect(state).toEqual(expected);
  });

  describeWith(["kcat"], "with kcat", () => {
    it("reads the same from the beginning", async () => {
      const { stdout } = await runOk("kcat", ["-b", broker.bootstrap, "-q", "-C", "-t", TOPIC, "-o", "beginning", "-e", "-f", "%k\t%s\t%o\n"], { timeoutMs: 30_000 });
      const lines = stdout.split("\n").filter(Boolean).map((l) => l.split("\t"));
      const offsets = lines.map(([, , o]) => Number(o));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Map(lines.filter(([k]) => !k.startsWith("filler-")).map(([k, v]) => [k, v]))).toEqual(expected);
      expect(lines).toHaveLength(expected.size + FILLERS);
    });
  });
});

describeWith(["kcat"], "a compacted topic written compressed by kcat", () => {
  // zstd: no compressor here, so what the cleaner keeps of a zstd batch is written uncompressed.
  it.each([["gzip", 1, 1], ["snappy", 2, 2], ["lz4", 3, 3], ["zstd", 4, 0]])("is compacted through %s batches, which stay compressed", { timeout: 60_000 }, async (name, produced, cleaned) => {
    const topic = `compacted-${name}`;
    await createCompacted(topic);
    // One round of the keys per batch, then fillers, so the rounds lie in segments the cleaner may
    // clean (below the active one, whatever the codec's batch sizes).
    const fillers = 3 * FILLERS;
    const lines = [
      ...Array.from({ length: ROUNDS * KEYS }, (_, i) => `k${i % KEYS}:round-${Math.floor(i / KEYS)}-k${i % KEYS}`),
      ...Array.from({ length: fillers }, (_, i) => `filler-${i}:${"x".repeat(40)}`),
    ];
    await runOk("kcat", ["-b", broker.bootstrap, "-q", "-P", "-t", topic, "-p", "0", "-K:", "-z", name, "-X", `batch.num.messages=${KEYS}`, "-X", "linger.ms=50"], {
      input: `${lines.join("\n")}\n`,
      timeoutMs: 30_000,
    });
    expect(new Set((await stored(topic)).map((r) => r.compression))).toEqual(new Set([produced]));
    const last = new Map(Array.from({ length: KEYS }, (_, k) => [`k${k}`, `round-${ROUNDS - 1}-k${k}`]));
    const deadline = Date.now() + 20_000;
    let state = (await stored(topic)).filter((r) => !r.key.startsWith("filler-"));
    // Polled until the cleaner has been round (bounded); the assertions below say what it left.
    while (state.length > KEYS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      state = (await stored(topic)).filter((r) => !r.key.startsWith("filler-"));
    }
    expect(new Map(state.map((r) => [r.key, r.value]))).toEqual(last);
    expect(state).toHaveLength(KEYS);
    // A batch that kept all its records is kept as it was; one rewritten has the cleaned codec.
    expect([...new Set(state.map((r) => r.compression))].every((c) => c === produced || c === cleaned)).toBe(true);

    const { stdout } = await runOk("kcat", ["-b", broker.bootstrap, "-q", "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k\t%s\n"], { timeoutMs: 30_000 });
    const read = stdout.split("\n").filter(Boolean).map((l) => l.split("\t"));
    expect(new Map(read.filter(([k]) => !k.startsWith("filler-")).map(([k, v]) => [k, v]))).toEqual(last);
    expect(read).toHaveLength(KEYS + fillers);
  });
});
