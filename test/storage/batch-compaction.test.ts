// Whole-batch compaction (the postgres engine's): which batches of a log go, by Kafka's rules.
import { describe, expect, it } from "vitest";
import { TRANSACTIONAL_BATCH } from "../../src/codec/batch-header.ts";
import { supersededBatches } from "../../src/storage/batch-compaction.ts";
import { compressBatch } from "../../src/storage/record-compression.ts";
import { BASE_TIMESTAMP, codec } from "./support.ts";

const DAY = 86_400_000;
const config = { deleteRetentionMs: DAY, minCompactionLagMs: 0 };
const NOW = Number(BASE_TIMESTAMP) + 1000;

/** One batch at `baseOffset` of [key, value] records (value null: a tombstone). */
function batch(baseOffset: bigint, records: [string | null, string | null][], options: { producerId?: bigint; attributes?: number; timestamp?: bigint } = {}): Uint8Array {
  const enc = (s: string | null) => (s === null ? null : new TextEncoder().encode(s));
  const timestamp = options.timestamp ?? BASE_TIMESTAMP;
  return codec.encodeRecordBatch({
    baseOffset, partitionLeaderEpoch: 0, attributes: options.attributes ?? 0, lastOffsetDelta: records.length - 1,
    firstTimestamp: timestamp, maxTimestamp: timestamp,
    producerId: options.producerId ?? -1n, producerEpoch: options.producerId === undefined ? -1 : 0, baseSequence: options.producerId === undefined ? -1 : 0,
    records: records.map(([k, v], i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: enc(k), value: enc(v), headers: [] })),
  });
}

describe("supersededBatches", () => {
  it("removes a batch once every record in it has a later record of its key, and keeps the latest of each", async () => {
    const log = [batch(0n, [["a", "1"], ["b", "1"]]), batch(2n, [["a", "2"]]), batch(3n, [["b", "2"], ["c", "1"]]), batch(5n, [["a", "3"]])];
    expect(await supersededBatches(() => log, config, NOW, codec)).toEqual([0n, 2n]);
  });

  it("keeps a tombstone until delete.retention.ms has passed, and the values it deleted go at once", async () => {
    const log = [batch(0n, [["a", "1"]]), batch(1n, [["a", null]])];
    expect(await supersededBatches(() => log, config, NOW, codec)).toEqual([0n]);
    expect(await supersededBatches(() => log, config, NOW + DAY, codec)).toEqual([0n, 1n]);
  });

  it("reads compressed batches", async () => {
    const log = [compressBatch(batch(0n, [["a", "1"]]), 1, (b) => codec.crc32c(b)), batch(1n, [["a", "2"]])];
    expect(await supersededBatches(() => log, config, NOW, codec)).toEqual([0n]);
  });

  it("keeps transactional batches, records without a key, each producer's last batch, and batches younger than min.compaction.lag.ms", async () => {
    const later = batch(10n, [["a", "9"], ["b", "9"], ["c", "9"], ["d", "9"]]);
    const log = [
      batch(0n, [["a", "1"]], { producerId: 5n, attributes: TRANSACTIONAL_BATCH }),
      batch(1n, [["b", "1"], [null, "x"]]),
      batch(2n, [["c", "1"]], { producerId: 6n }),
      batch(3n, [["d", "1"]], { timestamp: BigInt(NOW) }),
      later,
    ];
    expect(await supersededBatches(() => log, { ...config, minCompactionLagMs: 500 }, NOW, codec)).toEqual([]);
  });

  it("keeps every tombstone while a batch it cannot read is in the log", async () => {
    const unreadable = Buffer.from(batch(0n, [["z", "1"]]));
    unreadable.writeInt16BE(1, 21); // flagged gzip, not compressed
    unreadable.writeUInt32BE(codec.crc32c(unreadable.subarray(21)), 17);
    const log = [new Uint8Array(unreadable), batch(1n, [["a", null]])];
    expect(await supersededBatches(() => log, config, NOW + DAY, codec)).toEqual([]);
  });
});
