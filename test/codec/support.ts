// Shared by the codec tests: both codecs (for describe.each), the fixture batches, and fast-check
// arbitraries for record batches.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { loadCodec } from "../../src/codec/index.ts";
import type { Codec, Record, RecordBatch } from "../../src/codec/types.ts";

const wasm = await loadCodec("wasm");
const js = await loadCodec("js");
export const codecs = { wasm, js };
export const kinds = [{ kind: "wasm", codec: wasm as Codec }, { kind: "js", codec: js }];

const fixtures = new URL("../fixtures/", import.meta.url);

function hexFixture(name: string): Uint8Array {
  const text = readFileSync(new URL(`codec/${name}`, fixtures), "utf8");
  return new Uint8Array(text.trim().split(/\s+/).map((pair) => parseInt(pair, 16)));
}

/** The challenge tester's batches (challenge-stages.md §4.3, §4.4, §5.3) and their CRCs. */
export const testerBatches = [
  { name: "pineapple (fetch, tester-written log)", bytes: hexFixture("pineapple-batch.hex"), crc: 0xcf35bf62, value: "pineapple" },
  { name: "raspberry (tester-written log)", bytes: hexFixture("raspberry-batch.hex"), crc: 0xb26693fc, value: "raspberry" },
  { name: "apple (the tester's Produce)", bytes: hexFixture("apple-produce-batch.hex"), crc: 0xa437a6ee, value: "apple" },
];

/** Log segments written by Apache Kafka 4.0 itself. */
export const kafkaLogs = [
  { name: "foo-0", bytes: kafkaLog("foo-0") },
  { name: "__cluster_metadata-0", bytes: kafkaLog("__cluster_metadata-0") },
];

function kafkaLog(partition: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`kafka/kraft-combined-logs/${partition}/00000000000000000000.log`, fixtures)));
}

export const text = (s: string) => new TextEncoder().encode(s);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decoded batches carry batchLength/magic/crc and views; compare them as plain data. */
export function plain(batch: RecordBatch): unknown {
  const bytes = (b: Uint8Array | null) => (b === null ? null : Array.from(b));
  return {
    ...batch,
    records: batch.records.map((r: Record) => ({
      ...r,
      key: bytes(r.key),
      value: bytes(r.value),
      headers: r.headers?.map((h) => ({ key: h.key, value: bytes(h.value) })) ?? null,
    })),
  };
}

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const nullableBytes = (maxLength: number, size: fc.SizeForArbitrary = "small") =>
  fc.option(fc.uint8Array({ maxLength, size }), { nil: null, freq: 4 });

/** Small and large magnitudes alike: varint lengths from 1 to 10 bytes all show up. */
const timestampDelta = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  int64,
);

const header = fc.record({ key: fc.string({ maxLength: 12, unit: "grapheme" }), value: nullableBytes(16) });

export const recordArb = (maxValue: number, size: fc.SizeForArbitrary): fc.Arbitrary<Record> =>
  fc.record({
    attributes: fc.integer({ min: -128, max: 127 }),
    timestampDelta,
    offsetDelta: fc.oneof(fc.integer({ min: 0, max: 1000 }), int32),
    key: nullableBytes(24),
    value: nullableBytes(maxValue, size),
    headers: fc.option(fc.array(header, { maxLength: 3 }), { nil: null }),
  });

/**
 * Uncompressed batches (attributes & 7 == 0) with 0..maxRecords records. fast-check keeps arrays
 * short ("small") unless told otherwise; "max" spreads counts and value sizes over the whole range.
 */
export const batchArb = (maxRecords: number, maxValue = 64, size: fc.SizeForArbitrary = "small"): fc.Arbitrary<RecordBatch> =>
  fc.record({
    baseOffset: int64,
    partitionLeaderEpoch: int32,
    attributes: fc.integer({ min: 0, max: 0xffff }).map((a) => (a & ~7) << 16 >> 16),
    lastOffsetDelta: int32,
    firstTimestamp: int64,
    maxTimestamp: int64,
    producerId: int64,
    producerEpoch: fc.integer({ min: -32768, max: 32767 }),
    baseSequence: int32,
    records: fc.array(recordArb(maxValue, size), { maxLength: maxRecords, size }),
  });
