import { describe, expect, it } from "vitest";
import { RecycledReadBuffers } from "../../src/server/read-buffers.ts";

describe("RecycledReadBuffers", () => {
  it("lends a given-back buffer to the next read, never one still lent", () => {
    const buffers = new RecycledReadBuffers();
    const first = buffers.allocate(1000);
    const second = buffers.allocate(1000);
    expect(second.buffer).not.toBe(first.buffer);
    const lent = buffers.takeLent();
    expect(lent.map((b) => b.buffer)).toEqual([first.buffer, second.buffer]);
    // Until the response is written its buffers stay lent.
    expect(buffers.allocate(10).buffer).not.toBe(first.buffer);
    buffers.takeLent();
    buffers.giveBack(lent);
    const reused = buffers.allocate(500);
    expect(reused.buffer).toBe(first.buffer);
    expect(reused.length).toBe(500);
    // Too small a free buffer is not used for a bigger read.
    expect(buffers.allocate(2000).buffer).not.toBe(second.buffer);
  });

  it("keeps at most 4 MiB free", () => {
    const buffers = new RecycledReadBuffers();
    const originals = new Set(Array.from({ length: 6 }, () => buffers.allocate(1024 * 1024).buffer));
    buffers.giveBack(buffers.takeLent());
    const again = Array.from({ length: 6 }, () => buffers.allocate(1024 * 1024).buffer);
    expect(again.filter((b) => originals.has(b))).toHaveLength(4);
  });
});
