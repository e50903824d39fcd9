// Persisted indexes in Kafka's layout, the checkpoints and the clean-shutdown marker: what a
// restart reads. File reads are observed by spying on fs.readSync and naming each fd's file.
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { logConfig } from "../../src/storage/log-config.ts";
import { CLEAN_SHUTDOWN_FILE, LogManager } from "../../src/storage/log-manager.ts";
import { parseOffsetFileName } from "../../src/storage/log-file-utils.ts";
import { readOffsetCheckpoint } from "../../src/storage/offset-checkpoint-file.ts";
import { BASE_TIMESTAMP, batch, codec, recordsIn, tempDir } from "./support.ts";

const TOPIC = "orders";
const managers: LogManager[] = [];

function openManager(dir: string, segmentBytes = 1 << 30, indexIntervalBytes = 4096): LogManager {
  const manager = LogManager.open([dir], { codec, logConfig: () => logConfig({ segmentBytes, indexIntervalBytes }) });
  managers.push(manager);
  return manager;
}

afterEach(() => {
  for (const m of managers.splice(0)) m.close();
  vi.restoreAllMocks();
});

/** Records every positional read as [file name, position]. */
function observeReads(): [string, number][] {
  const reads: [string, number][] = [];
  const readSync = fs.readSync;
  vi.spyOn(fs, "readSync").mockImplementation(((fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
    reads.push([fs.readlinkSync(`/proc/self/fd/${fd}`).split("/").pop()!, pos]);
    return readSync(fd, buf, off, len, pos);
  }) as typeof fs.readSync);
  return reads;
}

/** `count` one-record batches of about 100 bytes; returns each batch's size. */
function fill(manager: LogManager, count: number, from = 0): number[] {
  const log = manager.getLog(TOPIC, 0) ?? manager.createLog(TOPIC, 0, "AAAAAAAAAAAAAAAAAAAAAA");
  const sizes = [];
  for (let i = from; i < from + count; i++) {
    const b = batch([`value-${String(i).padStart(40, "0")}`], [BASE_TIMESTAMP + BigInt(i)]);
    sizes.push(b.length);
    log.appendAsLeader(b);
  }
  return sizes;
}

function values(manager: LogManager): string[] {
  const log = manager.getLog(TOPIC, 0)!;
  return [...log.batches()].flatMap((b) => recordsIn(b).map((r) => r.value));
}

/** A copy of the log dir as it is now, with the broker still running: what kill -9 leaves behind. */
function crashCopy(dir: string): string {
  const copy = tempDir();
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}

describe("index files in Kafka's layout", () => {
  it("writes an entry of (relative offset, position) and (timestamp, relative offset) once more than log.index.interval.bytes follow the last", () => {
    const dir = tempDir();
    const interval = 250;
    const manager = openManager(dir, 1 << 30, interval);
    const sizes = fill(manager, 20);
    manager.close();

    // Kafka's rule: index the batch at `position` when more than `interval` bytes lie between the last indexed batch and it.
    const index: number[] = [];
    const timeIndex: number[] = [];
    let lastIndexed = 0;
    let position = 0;
    sizes.forEach((size, offset) => {
      if (position - lastIndexed > interval) {
        index.push(offset, position);
        timeIndex.push(offset);
        lastIndexed = position;
      }
      position += size;
    });
    const partition = join(dir, `${TOPIC}-0`);
    const expectedIndex = Buffer.alloc(index.length * 4);
    index.forEach((v, i) => expectedIndex.writeInt32BE(v, i * 4));
    expect(fs.readFileSync(join(partition, "00000000000000000000.index"))).toEqual(expectedIndex);
    // A last entry for the segment's largest timestamp is added when it is closed.
    timeIndex.push(sizes.length - 1);
    const expectedTimeIndex = Buffer.alloc(timeIndex.length * 12);
    timeIndex.forEach((offset, i) => {
      expectedTimeIndex.writeBigInt64BE(BASE_TIMESTAMP + BigInt(offset), i * 12);
      expectedTimeIndex.writeInt32BE(offset, i * 12 + 8);
    });
    expect(fs.readFileSync(join(partition, "00000000000000000000.timeindex"))).toEqual(expectedTimeIndex);
  });

  it("preallocates the active segment's indexes to log.index.size.max.bytes and trims them on roll", () => {
    const dir = tempDir();
    const manager = LogManager.open([dir], { codec, logConfig: () => logConfig({ segmentBytes: 2000, indexIntervalBytes: 200, segmentIndexBytes: 1000 }) });
    managers.push(manager);
    fill(manager, 30);
    const partition = join(dir, `${TOPIC}-0`);
    const files = fs.readdirSync(partition).filter((f) => f.endsWith("index")).sort();
    const active = files.filter((f) => f.startsWith(files[files.length - 1].slice(0, 20)));
    for (const f of files) {
      const { size } = fs.statSync(join(partition, f));
      const entrySize = f.endsWith(".timeindex") ? 12 : 8;
      if (active.includes(f)) expect(size, f).toBe(1000 - (1000 % entrySize));
      else expect(size % entrySize, f).toBe(0);
    }
    const rolled = files.find((f) => f.endsWith(".index") && !active.includes(f))!;
    expect(fs.statSync(join(partition, rolled)).size).toBeLessThan(1000);
  });

  it("rolls a segment whose index is full", () => {
    const dir = tempDir();
    // Two offset-index entries fit: the third one would overflow.
    const manager = LogManager.open([dir], { codec, logConfig: () => logConfig({ indexIntervalBytes: 50, segmentIndexBytes: 16 }) });
    managers.push(manager);
    fill(manager, 10);
    const segments = fs.readdirSync(join(dir, `${TOPIC}-0`)).filter((f) => f.endsWith(".log"));
    expect(segments.length).toBeGreaterThan(1);
    expect(values(manager)).toHaveLength(10);
  });
});

describe("restart", () => {
  it("after a clean shutdown reads no segment file, only index entries, to serve the log", () => {
    const dir = tempDir();
    const first = openManager(dir, 4000);
    fill(first, 200);
    first.close();
    expect(fs.existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(readOffsetCheckpoint(join(dir, "recovery-point-offset-checkpoint"))).toEqual([{ topic: TOPIC, partition: 0, offset: 200n }]);

    const reads = observeReads();
    const second = openManager(dir, 4000);
    const log = second.getLog(TOPIC, 0)!;
    expect(log.logEndOffset).toBe(200n);
    expect(reads.filter(([file]) => file.endsWith(".log"))).toEqual([]);
    expect(log.offsetForTimestamp(-3n)).toEqual({ timestamp: BASE_TIMESTAMP + 199n, offset: 199n });
    expect(fs.existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false);

    // Appends continue the sequence, and the whole log reads back.
    fill(second, 5, 200);
    expect(values(second)).toHaveLength(205);
    expect(log.logEndOffset).toBe(205n);
  });

  it("after a crash scans only the segments from the one holding the recovery point", () => {
    const dir = tempDir();
    const first = openManager(dir, 4000);
    fill(first, 200);
    first.checkpoint();
    const [recoveryPoint] = readOffsetCheckpoint(join(dir, "recovery-point-offset-checkpoint"))!;
    fill(first, 50, 200);
    const crashed = crashCopy(dir);

    const reads = observeReads();
    const second = openManager(crashed, 4000);
    const log = second.getLog(TOPIC, 0)!;
    expect(log.logEndOffset).toBe(250n);
    const scanned = new Set(reads.filter(([file]) => file.endsWith(".log")).map(([file]) => parseOffsetFileName(file)?.offset));
    const segments = fs.readdirSync(join(crashed, `${TOPIC}-0`)).filter((f) => f.endsWith(".log")).map((f) => parseOffsetFileName(f)!.offset);
    const holdingRecoveryPoint = segments.filter((b) => b <= recoveryPoint.offset).sort((a, b) => (a < b ? 1 : -1))[0];
    expect(segments.length).toBeGreaterThan(3);
    expect([...scanned].sort()).toEqual(segments.filter((b) => b >= holdingRecoveryPoint).sort());
    expect(values(second)).toEqual(Array.from({ length: 250 }, (_, i) => `value-${String(i).padStart(40, "0")}`));
  });

  it("after a crash walks a segment only from the last index entry below the recovery point", () => {
    const dir = tempDir();
    const first = openManager(dir, 1 << 30, 300);
    fill(first, 200);
    first.getLog(TOPIC, 0)!.flush();
    first.checkpoint();
    fill(first, 20, 200);
    const crashed = crashCopy(dir);
    const index = fs.readFileSync(join(dir, `${TOPIC}-0`, "00000000000000000000.index"));
    // The last entry written before the flush: relative offset < 200.
    let resumeAt = 0;
    for (let i = 0; i + 8 <= index.length && index.readInt32BE(i + 4) > resumeAt && index.readInt32BE(i) < 200; i += 8) resumeAt = index.readInt32BE(i + 4);
    expect(resumeAt).toBeGreaterThan(15_000);

    const reads = observeReads();
    const second = openManager(crashed, 1 << 30, 300);
    expect(second.getLog(TOPIC, 0)!.logEndOffset).toBe(220n);
    const logReads = reads.filter(([file]) => file.endsWith(".log")).map(([, position]) => position);
    expect(logReads.length).toBeGreaterThan(0);
    expect(Math.min(...logReads)).toBe(resumeAt);
    vi.restoreAllMocks();
    expect(values(second)).toEqual(Array.from({ length: 220 }, (_, i) => `value-${String(i).padStart(40, "0")}`));
    // The rebuilt index is the one a full rebuild makes.
    second.close();
    const rebuilt = fs.readFileSync(join(crashed, `${TOPIC}-0`, "00000000000000000000.index"));
    fs.rmSync(join(crashed, `${TOPIC}-0`, "00000000000000000000.index"));
    fs.writeFileSync(join(crashed, CLEAN_SHUTDOWN_FILE), "");
    const third = openManager(crashed, 1 << 30, 300);
    third.getLog(TOPIC, 0);
    third.close();
    expect(fs.readFileSync(join(crashed, `${TOPIC}-0`, "00000000000000000000.index"))).toEqual(rebuilt);
  });

  it("rebuilds a corrupt or missing index from its segment, to the same bytes", () => {
    const dir = tempDir();
    const first = openManager(dir, 1 << 30, 300);
    fill(first, 100);
    first.close();
    const partition = join(dir, `${TOPIC}-0`);
    const indexFile = join(partition, "00000000000000000000.index");
    const timeIndexFile = join(partition, "00000000000000000000.timeindex");
    const [index, timeIndex] = [fs.readFileSync(indexFile), fs.readFileSync(timeIndexFile)];

    for (const damage of [
      () => fs.truncateSync(indexFile, index.length - 3),
      () => fs.writeFileSync(indexFile, Buffer.concat([index, Buffer.from([0, 0, 0, 0, 0x7f, 0, 0, 0])])),
      () => fs.rmSync(timeIndexFile),
    ]) {
      damage();
      fs.writeFileSync(join(dir, CLEAN_SHUTDOWN_FILE), "");
      const reads = observeReads();
      const manager = openManager(dir, 1 << 30, 300);
      expect(values(manager)).toHaveLength(100);
      expect(reads.some(([file, position]) => file.endsWith(".log") && position === 0)).toBe(true);
      manager.close();
      managers.splice(managers.indexOf(manager), 1);
      vi.restoreAllMocks();
      expect(fs.readFileSync(indexFile)).toEqual(index);
      expect(fs.readFileSync(timeIndexFile)).toEqual(timeIndex);
    }
  });

  it("writes checkpoints in Kafka's text format, atomically, with the log start offsets past their first segment only", () => {
    const dir = tempDir();
    const manager = openManager(dir);
    fill(manager, 3);
    manager.close();
    expect(fs.readFileSync(join(dir, "recovery-point-offset-checkpoint"), "utf8")).toBe(`0\n1\n${TOPIC} 0 3\n`);
    expect(fs.readFileSync(join(dir, "log-start-offset-checkpoint"), "utf8")).toBe("0\n0\n");
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("recovers everything when the recovery-point checkpoint is unreadable", () => {
    const dir = tempDir();
    const first = openManager(dir, 4000);
    fill(first, 100);
    first.close();
    fs.writeFileSync(join(dir, "recovery-point-offset-checkpoint"), "0\n7\ngarbage\n");
    const reads = observeReads();
    const second = openManager(dir, 4000);
    expect(second.getLog(TOPIC, 0)!.logEndOffset).toBe(100n);
    expect(reads.some(([file, position]) => file === "00000000000000000000.log" && position === 0)).toBe(true);
  });
});
