import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codecs, kinds, testerBatches, text } from "./support.ts";

/** Bytes from the CRC's first covered field (attributes) to the end of a batch. */
const CRC_START = 21;

function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

describe.each(kinds)("crc32c ($kind)", ({ codec }) => {
  it("gives the check value for 123456789 and 0 for no bytes", () => {
    expect(codec.crc32c(text("123456789"))).toBe(0xe3069283);
    expect(codec.crc32c(new Uint8Array(0))).toBe(0);
  });

  it.each(testerBatches)("matches the CRC field of the tester's $name batch", ({ bytes, crc }) => {
    expect(codec.crc32c(bytes.subarray(CRC_START))).toBe(crc);
  });

  it("agrees with @node-rs/crc32 at every length up to 600 and across the fold's size boundaries", () => {
    const data = pseudoRandomBytes(70_000, 7);
    const lengths = [...Array(601).keys(), 1023, 1024, 1025, 4096, 16_384, 65_535, 65_536, 69_999];
    for (const length of lengths) {
      for (const offset of [0, 1, 7]) {
        const slice = data.subarray(offset, offset + length);
        expect(codec.crc32c(slice), `length ${length} at offset ${offset}`).toBe(nativeCrc32c(slice));
      }
    }
  });

  it("continues a CRC over consecutive chunks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (bytes, cut) => {
        const at = bytes.length === 0 ? 0 : cut % bytes.length;
        const whole = codec.crc32c(bytes);
        expect(codec.crc32cUpdate(codec.crc32cUpdate(0, bytes.subarray(0, at)), bytes.subarray(at))).toBe(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("changes with every single-bit error in a 300-byte message", () => {
    const data = pseudoRandomBytes(300, 3);
    const clean = codec.crc32c(data);
    for (let bit = 0; bit < data.length * 8; bit++) {
      data[bit >> 3] ^= 1 << (bit & 7);
      expect(codec.crc32c(data)).not.toBe(clean);
      data[bit >> 3] ^= 1 << (bit & 7);
    }
  });
});

describe("crc32c engines inside the WASM module", () => {
  it("the slicing-by-8 engine and the SIMD fold agree on random input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        expect(codecs.wasm.crc32cSlice8(bytes)).toBe(codecs.wasm.crc32c(bytes));
        expect(codecs.wasm.crc32c(bytes)).toBe(codecs.js.crc32c(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
