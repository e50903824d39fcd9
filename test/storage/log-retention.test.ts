// The topic configs a log acts on: retention by time and size, DeleteRecords' log start offset,
// crash-safe segment deletion, segment.ms, max.message.bytes and LogAppendTime.
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TIMESTAMP_TYPE_LOG_APPEND_TIME, readBatchHeader } from "../../src/codec/batch-header.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { type LogConfig, logConfig } from "../../src/storage/log-config.ts";
import { OFFSET_OUT_OF_RANGE, UnifiedLog } from "../../src/storage/unified-log.ts";
import { BASE_TIMESTAMP, batch, codec, recordsIn, tempDir } from "./support.ts";

const opened: UnifiedLog[] = [];

function openLog(dir: string, config: Partial<LogConfig> = {}, logStartOffset?: bigint): UnifiedLog {
  const log = UnifiedLog.open(dir, { codec, config: logConfig(config) }, { hadCleanShutdown: false, logStartOffset });
  opened.push(log);
  return log;
}

afterEach(() => {
  for (const log of opened.splice(0)) log.close();
});

const files = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes(".log")).sort();
const seg = (offset: number, suffix = "") => `${String(offset).padStart(20, "0")}.log${suffix}`;
const at = (ms: number) => BASE_TIMESTAMP + BigInt(ms);

/** A log of `count` one-record segments (segment.bytes fits one batch), record i stamped BASE_TIMESTAMP + i s. */
function segmentedLog(count: number, config: Partial<LogConfig> = {}) {
  const dir = tempDir();
  const one = batch(["v0"]).length;
  const log = openLog(dir, { segmentBytes: one, ...config });
  for (let i = 0; i < count; i++) log.appendAsLeader(batch([`v${i}`], [at(i * 1000)]));
  return { dir, log, one };
}

describe("retention", () => {
  it("deletes the segments whose newest record is older than retention.ms, moving the log start", () => {
    const { dir, log } = segmentedLog(4, { retentionMs: 1500 });
    expect(log.numberOfSegments).toBe(4);
    // At BASE + 3.4 s the records at 0 s and 1 s are more than 1.5 s old, the one at 2 s is not.
    expect(log.deleteOldSegments(Number(at(3400)))).toBe(2);
    expect(log.logStartOffset).toBe(2n);
    expect(log.read(1n, 1000, true)).toBe(OFFSET_OUT_OF_RANGE);
    expect(log.offsetForTimestamp(-2n)).toEqual({ timestamp: -1n, offset: 2n });
    expect(files(dir)).toEqual([seg(0, ".deleted"), seg(1, ".deleted"), seg(2), seg(3)]);
  });

  it("deletes the oldest segments while the log is over retention.bytes", () => {
    const { log, one } = segmentedLog(5, { retentionBytes: 0 });
    log.updateConfig({ ...log.config, retentionBytes: 2 * one });
    expect(log.deleteOldSegments(Number(at(0)))).toBe(3);
    expect(log.size).toBe(2 * one);
    expect(log.logStartOffset).toBe(3n);
  });

  it("deletes nothing under cleanup.policy=compact or with -1 limits", () => {
    const { log } = segmentedLog(3, { retentionMs: 1, cleanupPolicy: ["compact"] });
    expect(log.deleteOldSegments(Number(at(100_000)))).toBe(0);
    log.updateConfig({ ...log.config, cleanupPolicy: ["delete"], retentionMs: -1, retentionBytes: -1 });
    expect(log.deleteOldSegments(Number(at(100_000_000)))).toBe(0);
  });

  it("empties an expired log entirely, rolling a new active segment at the log end", () => {
    const { log } = segmentedLog(2, { retentionMs: 10 });
    expect(log.deleteOldSegments(Number(at(60_000)))).toBe(2);
    expect(log.logStartOffset).toBe(2n);
    expect(log.logEndOffset).toBe(2n);
    expect(log.appendAsLeader(batch(["next"])).baseOffset).toBe(2n);
    expect(recordsIn((log.read(2n, 1000, true) as { records: Uint8Array }).records).map((r) => r.value)).toEqual(["next"]);
  });

  it("removes the .deleted files after file.delete.delay.ms, and at once on close", async () => {
    const { dir, log } = segmentedLog(3, { retentionBytes: 0, fileDeleteDelayMs: 0 });
    log.updateConfig({ ...log.config, retentionBytes: 2 * fs.statSync(join(dir, seg(0))).size });
    expect(log.deleteOldSegments(Number(at(0)))).toBe(1);
    const deadline = Date.now() + 5000;
    while (files(dir).includes(seg(0, ".deleted")) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(files(dir)).toEqual([seg(1), seg(2)]);
    log.updateConfig({ ...log.config, retentionBytes: 0, fileDeleteDelayMs: 60_000 });
    log.deleteOldSegments(Number(at(0)));
    log.close();
    opened.splice(opened.indexOf(log), 1);
    expect(files(dir).filter((f) => f.endsWith(".deleted"))).toEqual([]);
  });

  it("removes .deleted files a crash left behind when the log is opened", () => {
    const { dir, log } = segmentedLog(2);
    fs.renameSync(join(dir, seg(0)), join(dir, seg(0, ".deleted")));
    log.close();
    opened.splice(opened.indexOf(log), 1);
    const reopened = openLog(dir);
    expect(files(dir)).toEqual([seg(1)]);
    expect(reopened.logStartOffset).toBe(1n);
  });
});

describe("log start offset", () => {
  it("moves forward by request (DeleteRecords), never back nor past the high watermark, and old segments follow", () => {
    const { dir, log } = segmentedLog(4);
    expect(log.maybeIncrementLogStartOffset(2n)).toBe(2n);
    expect(log.maybeIncrementLogStartOffset(1n)).toBe(2n);
    expect(() => log.maybeIncrementLogStartOffset(5n)).toThrow(RangeError);
    expect(log.read(1n, 1000, true)).toBe(OFFSET_OUT_OF_RANGE);
    expect(log.read(2n, 1000, true)).not.toBe(OFFSET_OUT_OF_RANGE);
    expect(log.offsetForTimestamp(-2n)!.offset).toBe(2n);
    expect(log.deleteOldSegments(Number(at(0)))).toBe(2);
    expect(files(dir).filter((f) => !f.endsWith(".deleted"))).toEqual([seg(2), seg(3)]);
  });

  it("opens at a given start inside the first segment, clamped to the segments it has", () => {
    const { dir, log } = segmentedLog(3);
    log.close();
    opened.splice(opened.indexOf(log), 1);
    expect(openLog(dir, {}, 1n).logStartOffset).toBe(1n);
    opened.pop()!.close();
    expect(openLog(dir, {}, 99n).logStartOffset).toBe(3n);
  });
});

describe("appends under topic configs", () => {
  it("refuses a batch over max.message.bytes with MESSAGE_TOO_LARGE", () => {
    const log = openLog(tempDir(), { maxMessageBytes: 100 });
    const small = batch(["x"]);
    const large = batch(["x".repeat(200)]);
    expect(log.analyzeAndValidate(small)).toBeUndefined();
    expect(log.analyzeAndValidate(large)).toMatchObject({ errorCode: ErrorCode.MESSAGE_TOO_LARGE });
    log.updateConfig({ ...log.config, maxMessageBytes: 1000, segmentBytes: 100 });
    expect(log.analyzeAndValidate(large)).toMatchObject({ errorCode: ErrorCode.RECORD_LIST_TOO_LARGE });
  });

  it("refuses CreateTime timestamps outside message.timestamp.before/after.max.ms", () => {
    const log = openLog(tempDir(), { messageTimestampBeforeMaxMs: 1000, messageTimestampAfterMaxMs: 1000 });
    const now = Number(BASE_TIMESTAMP);
    expect(log.analyzeAndValidate(batch(["ok"]), now)).toBeUndefined();
    expect(log.analyzeAndValidate(batch(["old"]), now + 5000)).toMatchObject({ errorCode: ErrorCode.INVALID_TIMESTAMP });
    expect(log.analyzeAndValidate(batch(["new"]), now - 5000)).toMatchObject({ errorCode: ErrorCode.INVALID_TIMESTAMP });
  });

  it("stamps batches with log-append time and a matching CRC under message.timestamp.type=LogAppendTime", () => {
    const dir = tempDir();
    const log = openLog(dir, { messageTimestampType: "LogAppendTime" });
    const appended = log.appendAsLeader(batch(["a", "b"]), 1_800_000_000_000);
    expect(appended.logAppendTime).toBe(1_800_000_000_000n);
    const onDisk = new Uint8Array(fs.readFileSync(join(dir, seg(0))));
    const header = readBatchHeader(onDisk);
    expect(header.maxTimestamp).toBe(1_800_000_000_000n);
    expect(header.attributes & TIMESTAMP_TYPE_LOG_APPEND_TIME).toBe(TIMESTAMP_TYPE_LOG_APPEND_TIME);
    expect(header.firstTimestamp).toBe(BASE_TIMESTAMP);
    expect(codec.validateRecordBatches(onDisk).error).toBeNull();
    expect(log.offsetForTimestamp(-3n)).toEqual({ timestamp: 1_800_000_000_000n, offset: 0n });
  });

  it("rolls by segment.ms, measured by the broker's clock from the segment's first append", () => {
    const dir = tempDir();
    const log = openLog(dir, { segmentMs: 1000 });
    const t0 = 1_800_000_000_000;
    log.appendAsLeader(batch(["a"]), t0);
    // A producer's clock far off (old fixtures, skewed hosts) does not roll anything.
    log.appendAsLeader(batch(["b"], [at(-86_400_000)]), t0 + 900);
    expect(log.numberOfSegments).toBe(1);
    log.appendAsLeader(batch(["c"]), t0 + 1001);
    log.appendAsLeader(batch(["d"]), t0 + 1500);
    expect(files(dir)).toEqual([seg(0), seg(2)]);
  });

});
