import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readBatchHeader } from "../../src/codec/batch-header.ts";
import { readPartitionMetadata, writePartitionMetadata } from "../../src/storage/partition-metadata.ts";
import { type LogConfig, logConfig } from "../../src/storage/log-config.ts";
import { OFFSET_OUT_OF_RANGE, UnifiedLog } from "../../src/storage/unified-log.ts";
import { BASE_TIMESTAMP, batch, codec, concat, recordsIn, tempDir } from "./support.ts";

const opened: UnifiedLog[] = [];

function openLog(dir: string, config: Partial<LogConfig> = {}): UnifiedLog {
  const log = UnifiedLog.open(dir, { codec, config: logConfig(config) });
  opened.push(log);
  return log;
}

function reopen(log: UnifiedLog, config: Partial<LogConfig> = {}): UnifiedLog {
  log.close();
  opened.splice(opened.indexOf(log), 1);
  return openLog(log.dir, config);
}

function readAll(log: UnifiedLog, from = log.logStartOffset): { offset: bigint; value: string }[] {
  const out: { offset: bigint; value: string }[] = [];
  for (let offset = from, reads = 0; offset < log.logEndOffset && reads < 1000; reads++) {
    const fetched = log.read(offset, 1 << 20, true);
    if (fetched === OFFSET_OUT_OF_RANGE) throw new Error(`out of range at ${offset}`);
    const records = recordsIn(fetched.records);
    out.push(...records);
    offset = records[records.length - 1].offset + 1n;
  }
  return out;
}

afterEach(() => {
  for (const log of opened.splice(0)) log.close();
  vi.restoreAllMocks();
});

describe("UnifiedLog", () => {
  it("assigns consecutive offsets from the log end, rewriting each base_offset in place", () => {
    const log = openLog(tempDir());
    expect(log.appendAsLeader(batch(["a", "b", "c"]))).toEqual({ baseOffset: 0n, lastOffset: 2n, logAppendTime: -1n });
    const two = concat(batch(["d"]), batch(["e", "f"]));
    expect(log.appendAsLeader(two)).toEqual({ baseOffset: 3n, lastOffset: 5n, logAppendTime: -1n });
    expect(readBatchHeader(two, 0).baseOffset).toBe(3n);
    expect(log.logEndOffset).toBe(6n);
    expect(log.highWatermark).toBe(6n);
    expect(readAll(log).map((r) => `${r.offset}:${r.value}`)).toEqual(["0:a", "1:b", "2:c", "3:d", "4:e", "5:f"]);
  });

  it("writes the batch before appendAsLeader returns, CRC untouched", () => {
    const dir = tempDir();
    const log = openLog(dir);
    const produced = batch(["apple"]);
    const crc = readBatchHeader(produced).crc;
    log.appendAsLeader(produced);
    const onDisk = fs.readFileSync(join(dir, "00000000000000000000.log"));
    expect(readBatchHeader(onDisk).crc).toBe(crc);
    expect(codec.validateRecordBatches(onDisk).error).toBeNull();
  });

  it("answers OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset] and nothing at the end", () => {
    const log = openLog(tempDir());
    log.appendAsLeader(batch(["a", "b"]));
    expect(log.read(3n, 1000, true)).toBe(OFFSET_OUT_OF_RANGE);
    expect(log.read(-1n, 1000, true)).toBe(OFFSET_OUT_OF_RANGE);
    const atEnd = log.read(2n, 1000, true);
    expect(atEnd).toEqual({ records: new Uint8Array(0), highWatermark: 2n, logStartOffset: 0n });
  });

  it("rolls a new segment when an append would pass segmentBytes, and reads across them after a restart", () => {
    const dir = tempDir();
    const one = batch(["value-0"]).length;
    let log = openLog(dir, { segmentBytes: 3 * one });
    for (let i = 0; i < 10; i++) log.appendAsLeader(batch([`value-${i}`]));
    const segmentFiles = () => fs.readdirSync(dir).filter((f) => f.endsWith(".log")).sort();
    const rolled = ["00000000000000000000.log", "00000000000000000003.log", "00000000000000000006.log", "00000000000000000009.log"];
    expect(segmentFiles()).toEqual(rolled);
    log = reopen(log, { segmentBytes: 3 * one });
    expect(log.logEndOffset).toBe(10n);
    expect(recordsIn((log.read(4n, 1 << 20, true) as { records: Uint8Array }).records).map((r) => r.value)).toEqual([
      "value-4",
      "value-5",
    ]);
    expect(readAll(log).map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `value-${i}`));
    log.appendAsLeader(batch(["value-10"]));
    expect(segmentFiles()).toEqual(rolled);
  });

  it("continues offsets after a restart, even past a torn tail", () => {
    const dir = tempDir();
    let log = openLog(dir);
    log.appendAsLeader(batch(["a"]));
    log.appendAsLeader(batch(["b"]));
    fs.appendFileSync(join(dir, "00000000000000000000.log"), batch(["torn"]).subarray(0, 40));
    log = reopen(log);
    expect(log.logEndOffset).toBe(2n);
    expect(log.appendAsLeader(batch(["c"])).baseOffset).toBe(2n);
    expect(readAll(log).map((r) => r.value)).toEqual(["a", "b", "c"]);
  });

  it("wakes append listeners, and an unsubscribed listener no more", () => {
    const log = openLog(tempDir());
    const calls: string[] = [];
    const stopA = log.onAppend(() => calls.push("a"));
    const stopB = log.onAppend(() => {
      calls.push("b");
      stopA();
      stopB();
    });
    log.appendAsLeader(batch(["x"]));
    log.appendAsLeader(batch(["y"]));
    expect(calls.sort()).toEqual(["a", "b"]);
  });

  it("answers ListOffsets lookups by timestamp", () => {
    const dir = tempDir();
    const log = openLog(dir, { segmentBytes: 200 });
    const t = BASE_TIMESTAMP;
    log.appendAsLeader(batch(["a", "b"], [t, t + 10n]));
    log.appendAsLeader(batch(["c"], [t + 40n]));
    log.appendAsLeader(batch(["d"], [t + 20n]));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".log")).length).toBeGreaterThan(1);
    expect(log.offsetForTimestamp(-2n)).toEqual({ offset: 0n, timestamp: -1n });
    expect(log.offsetForTimestamp(-1n)).toEqual({ offset: 4n, timestamp: -1n });
    expect(log.offsetForTimestamp(-3n)).toEqual({ offset: 2n, timestamp: t + 40n });
    expect(log.offsetForTimestamp(t + 1n)).toEqual({ offset: 1n, timestamp: t + 10n });
    expect(log.offsetForTimestamp(t + 15n)).toEqual({ offset: 2n, timestamp: t + 40n });
    expect(log.offsetForTimestamp(t + 41n)).toBeUndefined();
  });

  describe("flush policy", () => {
    function countFsyncs(): { count: number } {
      const counter = { count: 0 };
      const fsyncSync = fs.fsyncSync;
      // The indexes are fsynced with their segment; counting the .log file's fsyncs counts flushes.
      vi.spyOn(fs, "fsyncSync").mockImplementation((fd) => {
        if (fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith(".log")) counter.count++;
        fsyncSync(fd);
      });
      return counter;
    }

    it("leaves flushing to the OS by default", () => {
      const log = openLog(tempDir());
      const fsyncs = countFsyncs();
      for (let i = 0; i < 5; i++) log.appendAsLeader(batch(["a", "b"]));
      expect(fsyncs.count).toBe(0);
    });

    it("fsyncs once flushMessages records are unflushed", () => {
      const log = openLog(tempDir(), { flushMessages: 3 });
      const fsyncs = countFsyncs();
      log.appendAsLeader(batch(["a", "b"]));
      expect(fsyncs.count).toBe(0);
      log.appendAsLeader(batch(["c"]));
      expect(fsyncs.count).toBe(1);
      log.appendAsLeader(batch(["d"]));
      expect(fsyncs.count).toBe(1);
    });

    it("fsyncs within flushMs of an append", async () => {
      const log = openLog(tempDir(), { flushMs: 20 });
      log.flush();
      const fsyncs = countFsyncs();
      log.appendAsLeader(batch(["a"]));
      const deadline = Date.now() + 2000;
      while (fsyncs.count === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(fsyncs.count).toBe(1);
    });
  });
});

describe("partition.metadata", () => {
  it("is written in Kafka's URL-safe unpadded form and read in both forms", () => {
    const dir = tempDir();
    const log = UnifiedLog.create(join(dir, "foo-0"), "bfd99e5e-3235-4552-81f8-d4af1741970c", { codec });
    opened.push(log);
    expect(fs.readFileSync(join(dir, "foo-0", "partition.metadata"), "utf8")).toBe("version: 0\ntopic_id: v9meXjI1RVKB-NSvF0GXDA");
    expect(readPartitionMetadata(join(dir, "foo-0"))).toBe("bfd99e5e-3235-4552-81f8-d4af1741970c");

    fs.writeFileSync(join(dir, "partition.metadata"), "version: 0\ntopic_id: caWaUYloT4uTfi1Zstw1Dg==");
    expect(readPartitionMetadata(dir)).toBe("71a59a51-8968-4f8b-937e-2d59b2dc350e");
    writePartitionMetadata(dir, "71a59a51-8968-4f8b-937e-2d59b2dc350e");
    expect(readPartitionMetadata(dir)).toBe("71a59a51-8968-4f8b-937e-2d59b2dc350e");
  });
});
