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
});
