import { describe, expect, it } from "vitest";
import { Framer, FrameSizeError } from "../../src/server/framer.ts";

const frame = (...payload: number[]) => Uint8Array.of(0, 0, 0, payload.length, ...payload);

describe("Framer", () => {
  it("returns several frames from one read", () => {
    const f = new Framer(100);
    const frames = f.push(Uint8Array.of(...frame(1, 2), ...frame(3), ...frame()));
    expect(frames.map((x) => [...x])).toEqual([[1, 2], [3], []]);
  });

  it("reassembles a frame split across reads, including its size prefix", () => {
    const f = new Framer(100);
    const bytes = Uint8Array.of(...frame(9, 8, 7), ...frame(6));
    const out: number[][] = [];
    for (const b of bytes) out.push(...f.push(Uint8Array.of(b)).map((x) => [...x]));
    expect(out).toEqual([[9, 8, 7], [6]]);
  });

  it("rejects a negative or oversized message_size before buffering its body", () => {
    expect(() => new Framer(100).push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(FrameSizeError);
    expect(() => new Framer(100).push(Uint8Array.of(0, 0, 0, 101))).toThrow(FrameSizeError);
    expect(new Framer(100).push(Uint8Array.of(0, 0, 0, 100))).toEqual([]);
  });

  it("reuses a recycled frame's buffer for the next frame that spans reads, never a socket read's", () => {
    const f = new Framer(1 << 20);
    const sized = (payload: Uint8Array) => {
      const bytes = new Uint8Array(4 + payload.length);
      new DataView(bytes.buffer).setInt32(0, payload.length);
      bytes.set(payload, 4);
      return bytes;
    };
    const spanning = (fill: number) => {
      const bytes = sized(new Uint8Array(1000).fill(fill));
      return [...f.push(bytes.subarray(0, 300)), ...f.push(bytes.subarray(300))];
    };
    const [first] = spanning(1);
    // Not recycled yet: the next frame gets a buffer of its own, and the first is left intact.
    const [second] = spanning(2);
    expect(second.buffer).not.toBe(first.buffer);
    expect(first.every((b) => b === 1)).toBe(true);
    f.recycle(first);
    const [third] = spanning(3);
    expect(third.buffer).toBe(first.buffer);
    expect(third.every((b) => b === 3)).toBe(true);
    // A frame that arrived in one read is a view of that read: recycling it is a no-op.
    const whole = sized(new Uint8Array(10).fill(4));
    const [inOne] = f.push(whole);
    expect(inOne.buffer).toBe(whole.buffer);
    f.recycle(inOne);
    const [fourth] = spanning(5);
    expect(fourth.buffer).not.toBe(whole.buffer);
  });
});
