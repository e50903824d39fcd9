// Property tests across both codecs: the same batch gives the same bytes, decoding inverts encoding,
// and any damage to valid bytes gets the same verdict (and the same decode outcome) from both.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Codec, RecordBatchError } from "../../src/codec/index.ts";
import { batchArb, codecs, concat, plain } from "./support.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function decodeOutcome(codec: Codec, bytes: Uint8Array): unknown {
  try {
    return plain(codec.decodeRecordBatch(bytes));
  } catch (error) {
    if (!(error instanceof RecordBatchError)) throw error;
    return { error: error.code, position: error.position };
  }
}

/** One way of damaging bytes, applied deterministically from fast-check's draws. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate"), at: fc.nat() }),
  fc.record({ kind: fc.constant("overwrite"), at: fc.nat(), with: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("append"), with: fc.uint8Array({ minLength: 1, maxLength: 80 }) }),
);

type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function apply(bytes: Uint8Array, d: Damage): Uint8Array {
  if (d.kind === "append") return concat(bytes, d.with);
  const out = bytes.slice();
  const at = bytes.length === 0 ? 0 : d.at % bytes.length;
  if (d.kind === "truncate") return out.subarray(0, at);
  if (d.kind === "flip") out[at] ^= d.mask;
  else out.set(d.with.subarray(0, out.length - at), at);
  return out;
}

describe("WASM and JS codecs together", () => {
  it("encode identical bytes, and decoding either gives the batch back", () => {
    fc.assert(
      fc.property(batchArb(40), (batch) => {
        const bytes = codecs.js.encodeRecordBatch(batch);
        expect(hex(codecs.wasm.encodeRecordBatch(batch))).toBe(hex(bytes));
        const expected = plain({ ...batch, batchLength: bytes.length - 12, magic: 2, crc: codecs.js.crc32c(bytes.subarray(21)) } as never);
        expect(plain(codecs.js.decodeRecordBatch(bytes))).toEqual(expected);
        expect(plain(codecs.wasm.decodeRecordBatch(bytes))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("handle batches of up to 1000 records with values up to 2 KiB", () => {
    fc.assert(
      fc.property(batchArb(1000, 2048, "max"), (batch) => {
        const bytes = codecs.wasm.encodeRecordBatch(batch);
        expect(hex(codecs.js.encodeRecordBatch(batch))).toBe(hex(bytes));
        expect(plain(codecs.wasm.decodeRecordBatch(bytes))).toEqual(plain(codecs.js.decodeRecordBatch(bytes)));
        const verdict = codecs.js.validateRecordBatches(bytes);
        expect(verdict).toEqual({ batchCount: 1, recordCount: batch.records.length, lastOffsetDelta: batch.lastOffsetDelta, validBytes: bytes.length, error: null });
        expect(codecs.wasm.validateRecordBatches(bytes)).toEqual(verdict);
      }),
      { numRuns: 15 },
    );
  });

  it("give the same verdict and decode outcome on damaged batches", () => {
    fc.assert(
      fc.property(fc.array(batchArb(6, 40), { minLength: 1, maxLength: 3 }), fc.array(damage, { minLength: 1, maxLength: 3 }), (batches, damages) => {
        let bytes = concat(...batches.map((b) => codecs.js.encodeRecordBatch(b)));
        for (const d of damages) bytes = apply(bytes, d);
        expect(codecs.wasm.validateRecordBatches(bytes)).toEqual(codecs.js.validateRecordBatches(bytes));
        expect(decodeOutcome(codecs.wasm, bytes)).toEqual(decodeOutcome(codecs.js, bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("give the same verdict on damage that keeps the CRC valid (structure checks alone)", () => {
    fc.assert(
      fc.property(batchArb(6, 40), damage, (batch, d) => {
        const bytes = apply(codecs.js.encodeRecordBatch(batch), d);
        if (bytes.length >= 21) new DataView(bytes.buffer, bytes.byteOffset).setUint32(17, codecs.js.crc32c(bytes.subarray(21)));
        expect(codecs.wasm.validateRecordBatches(bytes)).toEqual(codecs.js.validateRecordBatches(bytes));
        expect(decodeOutcome(codecs.wasm, bytes)).toEqual(decodeOutcome(codecs.js, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("give the same verdict on arbitrary bytes behind a valid-looking header", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -2, max: 10 }), (tail, count) => {
        const bytes = new Uint8Array(61 + tail.length);
        bytes.set(tail, 61);
        const v = new DataView(bytes.buffer);
        v.setInt32(8, bytes.length - 12);
        bytes[16] = 2;
        v.setInt32(57, count);
        v.setUint32(17, codecs.js.crc32c(bytes.subarray(21)));
        expect(codecs.wasm.validateRecordBatches(bytes)).toEqual(codecs.js.validateRecordBatches(bytes));
        expect(decodeOutcome(codecs.wasm, bytes)).toEqual(decodeOutcome(codecs.js, bytes));
      }),
      { numRuns: 3000 },
    );
  });
});
