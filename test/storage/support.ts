/** Shared pieces of the storage tests: temporary log dirs, the JS codec, and batch bytes built with it. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import type { Codec } from "../../src/codec/types.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";

export const codec: Codec = await loadCodec("js");

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "storage-test-"));
  made.push(dir);
  return dir;
}

export const BASE_TIMESTAMP = 1726045973899n;

/** One batch holding `values`, stamped `timestamps` (default: all BASE_TIMESTAMP), as a producer sends it (base offset 0). */
export function batch(values: string[], timestamps: bigint[] = values.map(() => BASE_TIMESTAMP), baseOffset = 0n): Uint8Array {
  const first = timestamps[0];
  const max = timestamps.reduce((a, b) => (b > a ? b : a));
  return codec.encodeRecordBatch({
    baseOffset,
    partitionLeaderEpoch: -1,
    attributes: 0,
    lastOffsetDelta: values.length - 1,
    firstTimestamp: first,
    maxTimestamp: max,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: values.map((v, i) => ({
      attributes: 0,
      timestampDelta: timestamps[i] - first,
      offsetDelta: i,
      key: null,
      value: new TextEncoder().encode(v),
      headers: [],
    })),
  });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The values of the records in back-to-back batches, with each record's offset. */
export function recordsIn(bytes: Uint8Array): { offset: bigint; value: string }[] {
  const out: { offset: bigint; value: string }[] = [];
  for (const { position, size } of batchSpans(bytes)) {
    const decoded = codec.decodeRecordBatch(bytes.subarray(position, position + size));
    for (const r of decoded.records) out.push({ offset: decoded.baseOffset + BigInt(r.offsetDelta), value: new TextDecoder().decode(r.value!) });
  }
  return out;
}
