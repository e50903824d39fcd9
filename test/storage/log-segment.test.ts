import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LogSegment } from "../../src/storage/log-segment.ts";
import { BASE_TIMESTAMP, batch, codec, concat, recordsIn, tempDir } from "./support.ts";

const config = { indexIntervalBytes: 4096, maxIndexSize: 10 * 1024 * 1024, codec };
const open: LogSegment[] = [];

function openSegment(dir: string, baseOffset = 0n, indexIntervalBytes = 4096): LogSegment {
  const segment = LogSegment.open(dir, baseOffset, { ...config, indexIntervalBytes });
  open.push(segment);
  return segment;
}

/** What the segment holds from `offset` on, empty when it holds nothing there. */
function readFrom(segment: LogSegment, offset: bigint, maxBytes: number, minOneBatch: boolean): Uint8Array {
  return segment.read(offset, maxBytes, minOneBatch) ?? new Uint8Array(0);
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  vi.restoreAllMocks();
});

/** A batch at `offset` with one record, as the broker stores it. */
function stored(offset: bigint, value: string, timestamp = BASE_TIMESTAMP): Uint8Array {
  return batch([value], [timestamp], offset);
}

describe("LogSegment", () => {
  it("opens a zero-length file (as the challenge tester writes them) as an empty segment", () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, "00000000000000000000.log"), "");
    const segment = openSegment(dir);
    expect(segment.size).toBe(0);
    expect(segment.nextOffset).toBe(0n);
    expect(readFrom(segment, 0n, 1 << 20, true)).toHaveLength(0);
  });

  it("names its file by the 20-digit base offset and serves appended bytes unchanged", () => {
    const dir = tempDir();
    const segment = openSegment(dir, 42n);
    const bytes = concat(stored(42n, "a"), batch(["b", "c"], undefined, 43n));
    segment.append(bytes);
    expect(fs.readdirSync(dir).sort()).toEqual(["00000000000000000042.index", "00000000000000000042.log", "00000000000000000042.timeindex"]);
    expect(fs.readFileSync(join(dir, "00000000000000000042.log"))).toEqual(Buffer.from(bytes));
    expect(segment.nextOffset).toBe(45n);
    expect(Buffer.from(readFrom(segment, 42n, 1 << 20, true))).toEqual(Buffer.from(bytes));
  });

  it("rebuilds its offsets on reopen so later appends continue the sequence", () => {
    const dir = tempDir();
    const first = openSegment(dir);
    first.append(concat(stored(0n, "a"), stored(1n, "b")));
    first.close();
    open.splice(open.indexOf(first), 1);

    const reopened = openSegment(dir);
    expect(reopened.nextOffset).toBe(2n);
    expect(reopened.size).toBe(fs.statSync(join(dir, "00000000000000000000.log")).size);
    reopened.append(stored(2n, "c"));
    expect(recordsIn(readFrom(reopened, 0n, 1 << 20, true)).map((r) => [r.offset, r.value])).toEqual([
      [0n, "a"],
      [1n, "b"],
      [2n, "c"],
    ]);
  });

  describe("recovery truncates a torn tail and never serves it", () => {
    const good = concat(stored(0n, "a"), stored(1n, "b"));
    const next = stored(2n, "c");
    const lengthField = (n: number) => {
      const b = new Uint8Array(next);
      new DataView(b.buffer).setInt32(8, n);
      return b;
    };
    const cases: [string, Uint8Array][] = [
      ["an incomplete last batch", next.subarray(0, next.length - 5)],
      ["fewer bytes than a batch header", next.subarray(0, 30)],
      ["a batch_length below 49", lengthField(48)],
      ["a negative batch_length", lengthField(-1)],
      ["an absurd batch_length", lengthField(0x7fffffff)],
      ["a wrong magic", (() => ((b) => ((b[16] = 1), b))(new Uint8Array(next)))()],
      ["a last batch whose CRC does not match", (() => ((b) => ((b[b.length - 2] ^= 0xff), b))(new Uint8Array(next)))()],
      ["a batch whose offsets go backwards", stored(0n, "c")],
    ];
    for (const [name, tail] of cases) {
      it(name, () => {
        const dir = tempDir();
        const file = join(dir, "00000000000000000000.log");
        fs.writeFileSync(file, concat(good, tail));
        const segment = openSegment(dir);
        expect(segment.size).toBe(good.length);
        expect(segment.nextOffset).toBe(2n);
        expect(fs.statSync(file).size).toBe(good.length);
        expect(Buffer.from(readFrom(segment, 0n, 1 << 20, true))).toEqual(Buffer.from(good));
        segment.append(next);
        expect(recordsIn(readFrom(segment, 2n, 1 << 20, true)).map((r) => r.value)).toEqual(["c"]);
      });
    }
  });

  it("returns whole batches within maxBytes, and one whole batch when minOneBatch", () => {
    const dir = tempDir();
    const segment = openSegment(dir);
    const batches = [0, 1, 2, 3].map((i) => stored(BigInt(i), `value-${i}`));
    segment.append(concat(...batches));
    const one = batches[0].length;

    expect(readFrom(segment, 0n, 2 * one + one / 2, false)).toHaveLength(2 * one);
    expect(recordsIn(readFrom(segment, 1n, 10, true)).map((r) => r.value)).toEqual(["value-1"]);
    expect(readFrom(segment, 1n, 10, false)).toHaveLength(0);
    expect(readFrom(segment, 4n, 1 << 20, true)).toHaveLength(0);
  });

  it("serves a fetch from inside a batch starting at that batch's first byte", () => {
    const dir = tempDir();
    const segment = openSegment(dir);
    const first = batch(["a", "b", "c"], undefined, 0n);
    segment.append(concat(first, stored(3n, "d")));
    expect(Buffer.from(readFrom(segment, 1n, first.length, false))).toEqual(Buffer.from(first));
  });

  it("indexes at least every indexIntervalBytes and finds an offset without reading from the file start", () => {
    const dir = tempDir();
    const interval = 1024;
    const writer = openSegment(dir, 0n, interval);
    const batches = Array.from({ length: 400 }, (_, i) => stored(BigInt(i), `value-${i}`));
    for (const b of batches) writer.append(b);
    writer.close();
    open.splice(open.indexOf(writer), 1);

    // Reopened, so the index is the one rebuilt from the file.
    const segment = openSegment(dir, 0n, interval);
    const { offsetIndex } = segment;
    const maxGap = interval + batches[0].length;
    expect(offsetIndex.entries).toBeGreaterThanOrEqual(Math.floor(segment.size / maxGap));
    for (let i = 1; i < offsetIndex.entries; i++) {
      expect(offsetIndex.entry(i).position - offsetIndex.entry(i - 1).position).toBeLessThanOrEqual(maxGap);
    }

    const reads: number[] = [];
    const readSync = fs.readSync;
    vi.spyOn(fs, "readSync").mockImplementation(((fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
      reads.push(pos);
      return readSync(fd, buf, off, len, pos);
    }) as typeof fs.readSync);
    const target = 350n;
    expect(recordsIn(readFrom(segment, target, 1, true)).map((r) => r.value)).toEqual(["value-350"]);
    const nearest = offsetIndex.lookup(target).position;
    expect(nearest).toBeGreaterThan(0);
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(nearest);
    expect(reads.length).toBeLessThanOrEqual(3);
  });

  it("finds the first record at or after a timestamp, inside a batch", () => {
    const dir = tempDir();
    const segment = openSegment(dir, 0n, 64);
    const t = BASE_TIMESTAMP;
    segment.append(batch(["a", "b"], [t, t + 10n], 0n));
    segment.append(batch(["c", "d", "e"], [t + 20n, t + 30n, t + 40n], 2n));
    segment.append(batch(["f"], [t + 50n], 5n));

    expect(segment.findOffsetByTimestamp(t - 5n)).toEqual({ offset: 0n, timestamp: t });
    expect(segment.findOffsetByTimestamp(t + 5n)).toEqual({ offset: 1n, timestamp: t + 10n });
    expect(segment.findOffsetByTimestamp(t + 21n)).toEqual({ offset: 3n, timestamp: t + 30n });
    expect(segment.findOffsetByTimestamp(t + 50n)).toEqual({ offset: 5n, timestamp: t + 50n });
    expect(segment.findOffsetByTimestamp(t + 51n)).toBeUndefined();
    expect(segment.maxTimestamp).toBe(t + 50n);
  });

  it("keeps the segment intact when handed bytes that are not whole batches", () => {
    const dir = tempDir();
    const segment = openSegment(dir);
    const b = stored(0n, "a");
    expect(() => segment.append(b.subarray(0, b.length - 1))).toThrow(RangeError);
    expect(segment.size).toBe(0);
    expect(fs.statSync(segment.file).size).toBe(0);
    segment.append(b);
    expect(segment.nextOffset).toBe(1n);
  });
});
