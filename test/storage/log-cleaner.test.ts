// The LogCleaner on real log dirs: last writer wins per key, offsets kept and never reused,
// tombstones dropped after delete.retention.ms, the lag settings and dirty ratio, producer
// metadata, control batches, and the crash-safe swap.
import fs from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { COMPRESSION_MASK, CONTROL_BATCH, TRANSACTIONAL_BATCH, readBatchHeader } from "../../src/codec/batch-header.ts";
import { type CompactionConfig, DEFAULT_COMPACTION_CONFIG, DELETE_HORIZON_FLAG } from "../../src/storage/cleaner.ts";
import { logConfig } from "../../src/storage/log-config.ts";
import { LogManager } from "../../src/storage/log-manager.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { compressBatch, decompressBatch } from "../../src/storage/record-compression.ts";
import type { UnifiedLog } from "../../src/storage/unified-log.ts";
import { loadCodec } from "../../src/codec/index.ts";
import type { Codec } from "../../src/codec/types.ts";
import { BASE_TIMESTAMP, codec, tempDir } from "./support.ts";

const TOPIC = "compacted";
const managers: LogManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.close();
});

const EAGER: CompactionConfig = { ...DEFAULT_COMPACTION_CONFIG, minCleanableDirtyRatio: 0, deleteRetentionMs: 0 };

function openCompacted(dir: string, config: CompactionConfig = EAGER, segmentBytes = 600, withCodec: Codec = codec): { manager: LogManager; log: UnifiedLog } {
  const manager = LogManager.open([dir], {
    codec: withCodec,
    logConfig: () => logConfig({ segmentBytes, indexIntervalBytes: 100 }),
    // A long backoff: the tests run each clean themselves, at the time they choose.
    cleaner: { backoffMs: 3_600_000, dedupeBufferSize: 1 << 20, compactionOf: (topic) => (topic === TOPIC ? config : undefined), warn: () => {} },
  });
  managers.push(manager);
  const log = manager.getLog(TOPIC, 0) ?? manager.createLog(TOPIC, 0, "AAAAAAAAAAAAAAAAAAAAAA");
  return { manager, log };
}

interface Write {
  key: string | null;
  /** null: a tombstone. */
  value: string | null;
}

interface Producer {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

const NO_PRODUCER: Producer = { producerId: -1n, producerEpoch: -1, baseSequence: -1 };
const enc = (s: string | null) => (s === null ? null : new TextEncoder().encode(s));

function keyedBatch(writes: Write[], timestamp = BASE_TIMESTAMP, producer = NO_PRODUCER, attributes = 0): Uint8Array {
  return codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: 3, attributes, lastOffsetDelta: writes.length - 1,
    firstTimestamp: timestamp, maxTimestamp: timestamp + BigInt(writes.length - 1), ...producer,
    records: writes.map((w, i) => ({ attributes: 0, timestampDelta: BigInt(i), offsetDelta: i, key: enc(w.key), value: enc(w.value), headers: [] })),
  });
}

interface Stored {
  offset: bigint;
  key: string | null;
  value: string | null;
  timestamp: bigint;
}

function readAll(log: UnifiedLog): { records: Stored[]; batches: Uint8Array[] } {
  const batches = [...log.batches(0n)];
  return { records: batches.flatMap((b) => recordsOf(b)), batches };
}

/** The data records of back-to-back batches. */
function recordsOf(bytes: Uint8Array): Stored[] {
  const records: Stored[] = [];
  for (const { position, size } of batchSpans(bytes)) {
    const batch = bytes.subarray(position, position + size);
    const { attributes } = readBatchHeader(batch);
    if (attributes & CONTROL_BATCH) continue;
    const b = codec.decodeRecordBatch(attributes & COMPRESSION_MASK ? decompressBatch(batch, 1 << 24, crc32c)! : batch);
    const dec = (v: Uint8Array | null) => (v === null ? null : new TextDecoder().decode(v));
    for (const r of b.records) records.push({ offset: b.baseOffset + BigInt(r.offsetDelta), key: dec(r.key), value: dec(r.value), timestamp: b.firstTimestamp + r.timestampDelta });
  }
  return records;
}

/** A transaction marker of `producerId`: type 0 abort, 1 commit. */
function marker(producerId: bigint, type: number): Uint8Array {
  return codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: 0, attributes: CONTROL_BATCH | TRANSACTIONAL_BATCH, lastOffsetDelta: 0, firstTimestamp: BASE_TIMESTAMP,
    maxTimestamp: BASE_TIMESTAMP, producerId, producerEpoch: 0, baseSequence: -1,
    records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: new Uint8Array([0, 0, 0, type]), value: new Uint8Array([0, 0, 0, 0, 0, 0]), headers: [] }],
  });
}

/** The batch with its records section gzipped, as a producer with compression.type=gzip sends it. */
const crc32c = (bytes: Uint8Array) => codec.crc32c(bytes);

/** The batch flagged as compressed with `compression` without compressing it: what no codec can read back. */
function undecompressable(batch: Uint8Array, compression: number): Uint8Array {
  const out = Buffer.from(batch);
  out.writeInt16BE(out.readInt16BE(21) | compression, 21);
  out.writeUInt32BE(codec.crc32c(out.subarray(21)), 17);
  return new Uint8Array(out);
}

/** Last writer wins, tombstones delete. */
function model(records: { key: string | null; value: string | null }[]): Map<string, string> {
  const state = new Map<string, string>();
  for (const { key, value } of records) {
    if (key === null) continue;
    if (value === null) state.delete(key);
    else state.set(key, value);
  }
  return state;
}

describe("LogCleaner", () => {
  it("keeps the last record per key with its offset, drops tombstones after delete.retention.ms, never reuses an offset (property)", async () => {
    const write = fc.record({ key: fc.constantFrom("a", "b", "c", "d", "e", "f"), value: fc.option(fc.string({ maxLength: 12 }), { nil: null, freq: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(write, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 60 }), async (batches) => {
        const dir = tempDir();
        const { manager, log } = openCompacted(dir);
        const original: Stored[] = [];
        for (const writes of batches) {
          const { baseOffset } = log.appendAsLeader(keyedBatch(writes));
          writes.forEach((w, i) => original.push({ offset: baseOffset + BigInt(i), key: w.key, value: w.value, timestamp: BASE_TIMESTAMP + BigInt(i) }));
        }
        const endBefore = log.logEndOffset;
        const now = Date.now();
        // The first clean keeps tombstones and stamps their delete horizon; the second, after it, drops them.
        while (await manager.cleaner!.cleanFilthiestLog(now));
        await manager.cleaner!.cleanFilthiestLog(now + 1);

        const { records } = readAll(log);
        const offsets = records.map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
        expect(new Set(offsets).size).toBe(offsets.length);
        // Every kept record is the original at its offset, unchanged (timestamp included).
        const byOffset = new Map(original.map((r) => [r.offset, r]));
        for (const r of records) expect(r).toEqual(byOffset.get(r.offset));
        expect(model(records)).toEqual(model(original));
        // Below the active segment, one record per key and no tombstone.
        const cleaned = records.filter((r) => r.offset < log.activeSegmentBaseOffset);
        expect(new Set(cleaned.map((r) => r.key)).size).toBe(cleaned.length);
        expect(cleaned.filter((r) => r.value === null)).toEqual([]);
        // The log end did not move and the next append continues from it.
        expect(log.logEndOffset).toBe(endBefore);
        expect(log.appendAsLeader(keyedBatch([{ key: "z", value: "1" }])).baseOffset).toBe(endBefore);
        manager.close();
        managers.splice(managers.indexOf(manager), 1);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 60 },
    );
  });

  it("keeps a tombstone until its delete horizon, marked in the batch as Kafka does", async () => {
    const { manager, log } = openCompacted(tempDir(), { ...EAGER, deleteRetentionMs: 60_000 });
    log.appendAsLeader(keyedBatch([{ key: "k", value: "v" }]));
    log.appendAsLeader(keyedBatch([{ key: "k", value: null }]));
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: `filler-${i}`, value: "x".repeat(60) }]));
    const now = Date.now();
    expect(await manager.cleaner!.cleanFilthiestLog(now)).toBe(true);
    const tombstone = readAll(log).batches.find((b) => readBatchHeader(b).baseOffset === 1n)!;
    const header = readBatchHeader(tombstone);
    expect(header.attributes & DELETE_HORIZON_FLAG).toBe(DELETE_HORIZON_FLAG);
    expect(header.firstTimestamp).toBe(BigInt(now + 60_000));
    expect(readAll(log).records.map((r) => [r.offset, r.key, r.value]).slice(0, 1)).toEqual([[1n, "k", null]]);
    // The record's own timestamp is unchanged.
    expect(readAll(log).records[0].timestamp).toBe(BASE_TIMESTAMP);

    expect(await manager.cleaner!.cleanFilthiestLog(now + 59_999)).toBe(false);
    expect(await manager.cleaner!.cleanFilthiestLog(now + 60_000)).toBe(true);
    expect(readAll(log).records.filter((r) => r.key === "k")).toEqual([]);
  });

  it("keeps a compacted batch's base offset, leader epoch, producer id, epoch and sequence, and a producer's last batch even when emptied", async () => {
    const { manager, log } = openCompacted(tempDir());
    const producer = { producerId: 77n, producerEpoch: 2, baseSequence: 10 };
    log.appendAsLeader(keyedBatch([{ key: "a", value: "1" }, { key: "b", value: "1" }, { key: "c", value: "1" }], BASE_TIMESTAMP, producer));
    log.appendAsLeader(keyedBatch([{ key: "a", value: "2" }, { key: "c", value: "2" }], BASE_TIMESTAMP, { ...producer, baseSequence: 13 }));
    log.appendAsLeader(keyedBatch([{ key: "a", value: "3" }, { key: "c", value: "3" }], BASE_TIMESTAMP, { producerId: 88n, producerEpoch: 0, baseSequence: 0 }));
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: `filler-${i}`, value: "x".repeat(60) }]));
    await manager.cleaner!.cleanFilthiestLog();

    const headers = readAll(log).batches.map((b) => readBatchHeader(b));
    // Batch 0 keeps only b (offset 1); batch 3 (producer 77's last) is emptied but stays, with its offsets.
    expect(headers[0]).toMatchObject({ baseOffset: 0n, lastOffsetDelta: 1, partitionLeaderEpoch: 3, producerId: 77n, producerEpoch: 2, baseSequence: 10, recordsCount: 1 });
    expect(headers[1]).toMatchObject({ baseOffset: 3n, lastOffsetDelta: 1, producerId: 77n, baseSequence: 13, recordsCount: 0 });
    expect(headers[2]).toMatchObject({ baseOffset: 5n, producerId: 88n, recordsCount: 2 });
    expect(readAll(log).records.slice(0, 3).map((r) => [r.offset, r.key, r.value])).toEqual([[1n, "b", "1"], [5n, "a", "3"], [6n, "c", "3"]]);
  });

  it.each([["gzip", 1], ["snappy", 2], ["lz4", 3]])("compacts the records of a %s batch and writes what it keeps with the same codec", async (_, compression) => {
    const { manager, log } = openCompacted(tempDir());
    log.appendAsLeader(compressBatch(keyedBatch([{ key: "k", value: "old" }, { key: "j", value: "1" }]), compression, crc32c));
    log.appendAsLeader(keyedBatch([{ key: "k", value: "new" }]));
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: `filler-${i}`, value: "x".repeat(60) }]));
    await manager.cleaner!.cleanFilthiestLog();
    const first = [...log.batches(0n)][0];
    expect(readBatchHeader(first)).toMatchObject({ baseOffset: 0n, lastOffsetDelta: 1, recordsCount: 1, attributes: compression });
    expect(recordsOf(first)).toMatchObject([{ offset: 1n, key: "j", value: "1" }]);
    expect(readAll(log).records.slice(0, 2).map((r) => [r.offset, r.key, r.value])).toEqual([[1n, "j", "1"], [2n, "k", "new"]]);
  });

  it("copies a compressed batch it cannot decompress as it is, and keeps the tombstones that could delete what it holds", async () => {
    const { manager, log } = openCompacted(tempDir());
    log.appendAsLeader(undecompressable(keyedBatch([{ key: "k", value: "old" }, { key: "j", value: "1" }]), 1));
    log.appendAsLeader(keyedBatch([{ key: "k", value: null }]));
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: `filler-${i}`, value: "x".repeat(60) }]));
    const stored = [...log.batches(0n)][0];
    const now = Date.now();
    await manager.cleaner!.cleanFilthiestLog(now);
    await manager.cleaner!.cleanFilthiestLog(now + 1);
    const after = [...log.batches(0n)];
    expect(Buffer.from(after[0])).toEqual(Buffer.from(stored));
    // Without the tombstone a reader from the start could see "k" come back as "old".
    expect(recordsOf(after[1])).toMatchObject([{ offset: 2n, key: "k", value: null }]);
  });

  it("never lets an aborted transaction's records supersede committed ones, and keeps its marker and .txnindex entry", async () => {
    const { manager, log } = openCompacted(tempDir());
    const txn = { producerId: 5n, producerEpoch: 0, baseSequence: 0 };
    log.appendAsLeader(keyedBatch([{ key: "k", value: "committed" }]));
    log.appendAsLeader(keyedBatch([{ key: "k", value: "aborted" }], BASE_TIMESTAMP, txn, TRANSACTIONAL_BATCH));
    log.appendAsLeader(marker(5n, 0));
    log.appendAbortedTransaction({ producerId: 5n, firstOffset: 1n, lastOffset: 2n, lastStableOffset: 3n });
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: `filler-${i}`, value: "x".repeat(60) }]));
    const before = [...log.batches(0n)].slice(0, 3).map((b) => Buffer.from(b));
    await manager.cleaner!.cleanFilthiestLog();
    const after = [...log.batches(0n)].slice(0, 3).map((b) => Buffer.from(b));
    expect(after).toEqual(before);
    expect(log.collectAbortedTransactions(0n, log.logEndOffset)).toEqual([{ producerId: 5n, firstOffset: 1n, lastOffset: 2n, lastStableOffset: 3n }]);
    expect(fs.readdirSync(log.dir).filter((f) => f.endsWith(".txnindex"))).toEqual(["00000000000000000000.txnindex"]);
  });

  it("stops at a transaction that has no marker yet: it may still abort", async () => {
    const { manager, log } = openCompacted(tempDir());
    for (let i = 0; i < 8; i++) log.appendAsLeader(keyedBatch([{ key: "early", value: `v${i}`.padEnd(60, ".") }]));
    const open = log.appendAsLeader(keyedBatch([{ key: "k", value: "in an open transaction" }], BASE_TIMESTAMP, { producerId: 6n, producerEpoch: 0, baseSequence: 0 }, TRANSACTIONAL_BATCH));
    log.appendAsLeader(keyedBatch([{ key: "k", value: "later, outside" }]));
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: "early", value: `w${i}`.padEnd(60, ".") }]));
    await manager.cleaner!.cleanFilthiestLog();
    const records = readAll(log).records;
    // Everything from the open transaction's segment on is as written.
    expect(records.filter((r) => r.offset >= open.baseOffset)).toHaveLength(12);
    // Before it, "early" was compacted against what came before the transaction only.
    expect(records.filter((r) => r.offset < open.baseOffset && r.key === "early").length).toBeLessThan(8);
  });

  it("copies control batches as they are", async () => {
    const { manager, log } = openCompacted(tempDir());
    const marker = codec.encodeRecordBatch({
      baseOffset: 0n, partitionLeaderEpoch: 0, attributes: CONTROL_BATCH | 0x10, lastOffsetDelta: 0, firstTimestamp: BASE_TIMESTAMP,
      maxTimestamp: BASE_TIMESTAMP, producerId: 5n, producerEpoch: 0, baseSequence: -1,
      records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 0]), headers: [] }],
    });
    log.appendAsLeader(keyedBatch([{ key: "a", value: "1" }]));
    log.appendAsLeader(marker);
    log.appendAsLeader(keyedBatch([{ key: "a", value: "2" }]));
    for (let i = 0; i < 10; i++) log.appendAsLeader(keyedBatch([{ key: `filler-${i}`, value: "x".repeat(60) }]));
    const storedMarker = readAll(log).batches[1];
    await manager.cleaner!.cleanFilthiestLog();
    const after = readAll(log).batches;
    expect(Buffer.from(after[0])).toEqual(Buffer.from(storedMarker));
    expect(readAll(log).records[0]).toMatchObject({ offset: 2n, key: "a", value: "2" });
  });

  it("waits for min.cleanable.dirty.ratio, cleans past max.compaction.lag.ms, and leaves segments younger than min.compaction.lag.ms", async () => {
    const fill = (log: UnifiedLog, n: number, timestamp: bigint) => {
      for (let i = 0; i < n; i++) log.appendAsLeader(keyedBatch([{ key: "same", value: `v${i}`.padEnd(60, ".") }], timestamp));
    };
    const ratioDir = tempDir();
    const ratio = openCompacted(ratioDir, { ...EAGER, minCleanableDirtyRatio: 0.99 });
    fill(ratio.log, 20, BASE_TIMESTAMP);
    await ratio.manager.cleaner!.cleanFilthiestLog();
    fill(ratio.log, 3, BASE_TIMESTAMP);
    // Most of the log is clean now: below the ratio, nothing to do.
    expect(await ratio.manager.cleaner!.cleanFilthiestLog()).toBe(false);

    const lag = openCompacted(tempDir(), { ...EAGER, minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 1000 });
    fill(lag.log, 20, BASE_TIMESTAMP);
    await lag.manager.cleaner!.cleanFilthiestLog();
    fill(lag.log, 10, BASE_TIMESTAMP);
    expect(await lag.manager.cleaner!.cleanFilthiestLog()).toBe(true);

    const young = openCompacted(tempDir(), { ...EAGER, minCompactionLagMs: 60_000 });
    const now = Date.now();
    fill(young.log, 20, BigInt(now - 10_000));
    const before = readAll(young.log).records.length;
    expect(await young.manager.cleaner!.cleanFilthiestLog(now)).toBe(false);
    expect(readAll(young.log).records.length).toBe(before);
    expect(await young.manager.cleaner!.cleanFilthiestLog(now + 60_000)).toBe(true);
    expect(readAll(young.log).records.length).toBeLessThan(before);
  });

  it("writes the same cleaned segments with the WASM codec as with the JS twin", async () => {
    const wasm = await loadCodec("wasm");
    const files: Map<string, Buffer>[] = [];
    for (const withCodec of [codec, wasm]) {
      const dir = tempDir();
      const { manager, log } = openCompacted(dir, { ...EAGER, deleteRetentionMs: 5_000 }, 600, withCodec);
      for (let i = 0; i < 40; i++) {
        const writes = [{ key: `k${i % 7}`, value: i % 9 === 0 ? null : `v${i}` }, { key: `k${(i * 3) % 5}`, value: `w${i}` }];
        log.appendAsLeader(keyedBatch(writes, BASE_TIMESTAMP + BigInt(i), { producerId: 9n, producerEpoch: 1, baseSequence: 2 * i }));
      }
      while (await manager.cleaner!.cleanFilthiestLog(1_800_000_000_000));
      manager.close();
      const partition = join(dir, `${TOPIC}-0`);
      files.push(new Map(fs.readdirSync(partition).filter((f) => f.endsWith(".log")).map((f) => [f, fs.readFileSync(join(partition, f))])));
    }
    expect(files[1].size).toBeGreaterThan(1);
    expect(files[1]).toEqual(files[0]);
  });

  it("never touches the active segment", async () => {
    const { manager, log } = openCompacted(tempDir(), EAGER, 1 << 30);
    for (let i = 0; i < 20; i++) log.appendAsLeader(keyedBatch([{ key: "same", value: `v${i}` }]));
    expect(await manager.cleaner!.cleanFilthiestLog()).toBe(false);
    expect(readAll(log).records).toHaveLength(20);
  });

  it("writes cleaner-offset-checkpoint, and on open completes an interrupted swap and drops a half-written clean", async () => {
    const dir = tempDir();
    const partition = join(dir, `${TOPIC}-0`);
    const first = openCompacted(dir);
    // Unique keys first, so the first cleaned segment keeps some records.
    for (let i = 0; i < 30; i++) first.log.appendAsLeader(keyedBatch([{ key: i < 6 ? `u${i}` : `k${i % 3}`, value: `v${i}`.padEnd(40, ".") }]));
    const original = readAll(first.log).records;
    first.manager.close();
    const uncleaned = tempDir();
    fs.cpSync(partition, uncleaned, { recursive: true });

    const second = openCompacted(dir);
    await second.manager.cleaner!.cleanFilthiestLog();
    expect(fs.readFileSync(join(dir, "cleaner-offset-checkpoint"), "utf8")).toBe(`0\n1\n${TOPIC} 0 ${second.log.activeSegmentBaseOffset}\n`);
    second.manager.close();
    const cleanedFirst = fs.readFileSync(join(partition, "00000000000000000000.log"));

    // What a crash leaves after the first cleaned segment became .swap, before the old segments went.
    fs.rmSync(partition, { recursive: true });
    fs.cpSync(uncleaned, partition, { recursive: true });
    fs.writeFileSync(join(partition, "00000000000000000000.log.swap"), cleanedFirst);
    fs.writeFileSync(join(partition, "00000000000000000000.index.swap"), "stale");
    fs.writeFileSync(join(partition, "00000000000000000005.log.cleaned"), "half-written");
    const reopened = openCompacted(dir);
    expect(fs.readdirSync(partition).filter((f) => f.endsWith(".swap") || f.endsWith(".cleaned"))).toEqual([]);
    const records = readAll(reopened.log).records;
    const offsets = records.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(model(records)).toEqual(model(original));
    const swapped = recordsOf(cleanedFirst);
    expect(records.slice(0, swapped.length)).toEqual(swapped);
    expect(swapped.length).toBeGreaterThan(0);
  });
});
