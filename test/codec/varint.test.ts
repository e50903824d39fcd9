import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codecs, kinds } from "./support.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

/** Zig-zag varints as Kafka's ByteUtils.writeVarint writes them. */
const KNOWN: [number, string][] = [
  [0, "00"],
  [-1, "01"],
  [1, "02"],
  [-64, "7f"],
  [63, "7e"],
  [64, "8001"],
  [150, "ac02"],
  [-8193, "818001"],
  [2 ** 30, "8080808008"],
  [2 ** 31 - 1, "feffffff0f"],
  [-(2 ** 31), "ffffffff0f"],
];

describe.each(kinds)("varints ($kind)", ({ codec }) => {
  it("encodes Kafka's bytes for known values and decodes them back", () => {
    const values = Int32Array.from(KNOWN.map(([v]) => v));
    const bytes = codec.encodeVarints(values);
    expect(hex(bytes)).toBe(KNOWN.map(([, h]) => h).join(""));
    const out = new Int32Array(values.length);
    expect(codec.decodeVarints(bytes, values.length, out)).toBe(bytes.length);
    expect(Array.from(out)).toEqual(Array.from(values));
  });

  it("round-trips any int32 values and reports the bytes consumed", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 300 }), fc.uint8Array({ maxLength: 9 }), (list, trailer) => {
        const values = Int32Array.from(list);
        const bytes = codec.encodeVarints(values);
        const withTrailer = new Uint8Array([...bytes, ...trailer]);
        const out = new Int32Array(values.length);
        expect(codec.decodeVarints(withTrailer, values.length, out)).toBe(bytes.length);
        expect(out).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a sixth byte, and a varint cut off by the end of the input", () => {
    const out = new Int32Array(2);
    expect(codec.decodeVarints(fromHex("ffffffff8f01"), 1, out)).toBe(-1);
    expect(codec.decodeVarints(fromHex("0280"), 2, out)).toBe(-1);
    expect(codec.decodeVarints(fromHex("02"), 2, out)).toBe(-1);
    expect(codec.decodeVarints(fromHex(""), 0, out)).toBe(0);
  });

  it("refuses to decode more values than the output holds", () => {
    expect(() => codec.decodeVarints(fromHex("0000"), 2, new Int32Array(1))).toThrow(RangeError);
  });

  it("drops bits beyond 32 in the fifth byte, as Kafka does", () => {
    const out = new Int32Array(1);
    expect(codec.decodeVarints(fromHex("feffffff7f"), 1, out)).toBe(5);
    expect(out[0]).toBe(2 ** 31 - 1);
  });

  it("decodes a million values back to what was encoded", () => {
    const values = new Int32Array(1_000_000);
    let x = 12345;
    for (let i = 0; i < values.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      values[i] = x >> (x & 31);
    }
    const bytes = codec.encodeVarints(values);
    const out = new Int32Array(values.length);
    expect(codec.decodeVarints(bytes, values.length, out)).toBe(bytes.length);
    // Byte comparison: a deep equal over a million elements takes seconds.
    expect(Buffer.from(out.buffer).equals(Buffer.from(values.buffer))).toBe(true);
  });
});

describe("varints in both codecs", () => {
  it("are the same bytes, and the same verdict on arbitrary input", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 100 }), fc.uint8Array({ maxLength: 40 }), fc.nat(30), (list, garbage, count) => {
        const values = Int32Array.from(list);
        expect(hex(codecs.wasm.encodeVarints(values))).toBe(hex(codecs.js.encodeVarints(values)));
        const fromWasm = new Int32Array(count);
        const fromJs = new Int32Array(count);
        const consumed = codecs.js.decodeVarints(garbage, count, fromJs);
        expect(codecs.wasm.decodeVarints(garbage, count, fromWasm)).toBe(consumed);
        if (consumed >= 0) expect(fromWasm).toEqual(fromJs);
      }),
      { numRuns: 500 },
    );
  });
});
