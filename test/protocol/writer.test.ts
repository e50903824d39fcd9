import { describe, expect, it } from "vitest";
import { REFERENCED_BYTES, Writer } from "../../src/protocol/writer.ts";

describe("Writer", () => {
  it("references large byte strings instead of copying them, and patches a size prefix before them", () => {
    const stored = new Uint8Array(REFERENCED_BYTES).fill(7);
    const w = new Writer(16);
    w.int32(0).int16(1).bytes(stored).int16(2);
    w.int32At(0, w.pos - 4);
    const parts = w.finishParts();
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(stored);
    const joined = Buffer.concat(parts);
    expect(Buffer.from(w.finish())).toEqual(joined);
    expect(joined.readInt32BE(0)).toBe(joined.length - 4);
    expect(joined.readInt32BE(6)).toBe(stored.length);
    expect(joined.readInt16BE(joined.length - 2)).toBe(2);
  });

  it("copies small byte strings into one buffer", () => {
    const w = new Writer(4);
    w.bytes(new Uint8Array([1, 2, 3])).int8(4);
    expect(w.finishParts()).toHaveLength(1);
    expect([...w.finish()]).toEqual([0, 0, 0, 3, 1, 2, 3, 4]);
  });
});
