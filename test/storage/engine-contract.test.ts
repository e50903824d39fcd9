// The storage contract: the invariants of docs' storage-engines design, run on every engine with
// the same tests. An engine is a way to open storage and to open it again "after a restart".
import fs from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { readBatchHeader } from "../../src/codec/batch-header.ts";
import { ClusterMetadata } from "../../src/storage/cluster-metadata.ts";
import { type Awaitable, OFFSET_OUT_OF_RANGE, type PartitionLog, type StorageEngine } from "../../src/storage/engine.ts";
import { FilesEngine } from "../../src/storage/files-engine.ts";
import { MemoryEngine } from "../../src/storage/memory-engine.ts";
import { PostgresEngine } from "../../src/storage/postgres/postgres-engine.ts";
import { type LocalPostgres, startLocalPostgres } from "../../scripts/local-postgres.mjs";
import { missingClients } from "../support/system-clients.ts";
import { batchSpans, lastOffsetOf } from "../../src/storage/record-batches.ts";
import { type LogConfig, logConfig } from "../../src/storage/log-config.ts";
import { CLUSTER_METADATA_TOPIC } from "../../src/storage/log-manager.ts";
import { BASE_TIMESTAMP, batch, codec, concat, recordsIn, tempDir } from "./support.ts";

interface EngineUnderTest {
  name: string;
  open(): Awaitable<StorageEngine>;
  /** The same storage as a restarted broker finds it. */
  reopen(engine: StorageEngine): Awaitable<StorageEngine>;
  /**
   * The storage as a broker restarted after a crash finds it, the crash having cut the last
   * append to the partition short (for engines where a crash can leave one half written).
   */
  crashDuringLastAppend?(engine: StorageEngine, topic: string, partition: number): StorageEngine;
}

const engines: EngineUnderTest[] = [
  (() => {
    const dirs = new WeakMap<StorageEngine, string>();
    const open = (dir: string) => {
      const engine = FilesEngine.open({ logDirs: [dir], nodeId: 1, codec });
      dirs.set(engine, dir);
      return engine;
    };
    return {
      name: "files",
      open: () => open(tempDir()),
      reopen(engine: StorageEngine) {
        engine.close();
        return open(dirs.get(engine)!);
      },
      // No close: a crashed broker writes no checkpoints and no clean-shutdown marker.
      crashDuringLastAppend(engine: StorageEngine, topic: string, partition: number) {
        const file = join(dirs.get(engine)!, `${topic}-${partition}`, "00000000000000000000.log");
        fs.truncateSync(file, fs.statSync(file).size - 3);
        return open(dirs.get(engine)!);
      },
    };
  })(),
  {
    name: "memory",
    open: () => new MemoryEngine(codec),
    reopen: (engine: StorageEngine) => engine,
  },
  ...(missingClients().includes("postgresql") ? [] : [postgresUnderTest()]),
];

/** One server for the file, a new database per test, opened again by a new engine as a restarted broker would. */
function postgresUnderTest(): EngineUnderTest {
  let server: Promise<LocalPostgres> | undefined;
  const urls = new WeakMap<StorageEngine, string>();
  let databases = 0;
  afterAll(async () => (await server)?.stop());
  const open = async (url: string) => {
    const engine = await PostgresEngine.open({ url, codec });
    urls.set(engine, url);
    return engine;
  };
  return {
    name: "postgres",
    async open() {
      const pg = await (server ??= startLocalPostgres());
      const name = `contract_${++databases}`;
      execFileSync("psql", [pg.url, "-q", "-c", `CREATE DATABASE ${name}`]);
      return open(pg.url.replace(/\/postgres$/, `/${name}`));
    },
    async reopen(engine: StorageEngine) {
      await engine.close();
      return open(urls.get(engine)!);
    },
  };
}

const TOPIC_ID = "71a59a51-8968-4f8b-937e-2d59b2dc350e";
const OTHER_TOPIC_ID = "aaa9c9b1-a62c-4f8b-937e-2d59b2dc350e";

const opened: StorageEngine[] = [];
afterEach(async () => {
  for (const engine of opened.splice(0)) await engine.close();
});

/** Every batch of the log, read in budget-sized steps. */
async function readAll(log: PartitionLog): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = await log.read(offset, 1 << 20, true);
    if (read === OFFSET_OUT_OF_RANGE) throw new Error(`offset ${offset} out of range`);
    for (const span of batchSpans(read.records)) offset = lastOffsetOf(readBatchHeader(read.records, span.position)) + 1n;
    parts.push(read.records);
  }
  return concat(...parts);
}

function headersIn(bytes: Uint8Array) {
  return [...batchSpans(bytes)].map((span) => ({ ...span, header: readBatchHeader(bytes, span.position) }));
}

describe.each(engines)("the $name engine", (e) => {
  const open = async () => {
    const engine = await e.open();
    opened.push(engine);
    return engine;
  };
  const reopen = async (engine: StorageEngine) => {
    const again = await e.reopen(engine);
    opened.splice(opened.indexOf(engine), 1, again);
    return again;
  };

  it("assigns offsets once: consecutive inside and across appends, never reused, and reports them", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    expect(log.logEndOffset).toBe(0n);
    expect(await log.appendAsLeader(batch(["a", "b", "c"]))).toEqual({ baseOffset: 0n, lastOffset: 2n, logAppendTime: -1n });
    // Two batches in one append: the second starts where the first ended, whatever base offsets the client wrote.
    expect(await log.appendAsLeader(concat(batch(["d"], undefined, 40n), batch(["e", "f"], undefined, 7n)))).toEqual({ baseOffset: 3n, lastOffset: 5n, logAppendTime: -1n });
    const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => log.appendAsLeader(batch([`x${i}`, `y${i}`]))));
    const bases = concurrent.map((c) => c.baseOffset).sort((a, b) => (a < b ? -1 : 1));
    expect(bases).toEqual(Array.from({ length: 20 }, (_, i) => 6n + 2n * BigInt(i)));
    expect(log.logEndOffset).toBe(46n);
    expect(log.highWatermark).toBe(46n);

    const headers = headersIn(await readAll(log)).map((b) => b.header);
    let expected = 0n;
    for (const h of headers) {
      expect(h.baseOffset).toBe(expected);
      expected = lastOffsetOf(h) + 1n;
    }
    expect(expected).toBe(46n);
  });

  it("stores the bytes the producer sent, with only base_offset rewritten", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    await log.appendAsLeader(batch(["first"]));
    const sent = batch(["keep", "these", "bytes"], [BASE_TIMESTAMP, BASE_TIMESTAMP + 5n, BASE_TIMESTAMP + 9n], 999n);
    const original = sent.slice();
    await log.appendAsLeader(sent);
    const stored = await log.read(1n, 1 << 20, true);
    if (stored === OFFSET_OUT_OF_RANGE) throw new Error("out of range");
    expect(stored.records.length).toBe(original.length);
    expect(Buffer.from(stored.records.subarray(8))).toEqual(Buffer.from(original.subarray(8)));
    expect(readBatchHeader(stored.records).baseOffset).toBe(1n);
  });

  it("reads whole batches only, from the one holding the offset, within the byte budget", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    for (let i = 0; i < 6; i++) await log.appendAsLeader(batch([`v${i}a`, `v${i}b`, `v${i}c`]));
    const one = batch(["v0a", "v0b", "v0c"]).length;
    for (let offset = 0n; offset < 18n; offset++) {
      for (const budget of [1, one, one + 1, 3 * one, 1 << 20]) {
        const read = await log.read(offset, budget, false);
        if (read === OFFSET_OUT_OF_RANGE) throw new Error("out of range");
        expect(read.records.length).toBeLessThanOrEqual(budget);
        const batches = headersIn(read.records);
        expect(batches.reduce((n, b) => n + b.size, 0)).toBe(read.records.length);
        if (budget >= one) {
          expect(batches.length).toBeGreaterThan(0);
          expect(batches[0].header.baseOffset).toBeLessThanOrEqual(offset);
          expect(lastOffsetOf(batches[0].header)).toBeGreaterThanOrEqual(offset);
        } else {
          expect(read.records.length).toBe(0);
        }
        expect(read.highWatermark).toBe(18n);
      }
      // With minOneBatch the first batch comes whatever the budget.
      const forced = await log.read(offset, 1, true);
      if (forced === OFFSET_OUT_OF_RANGE) throw new Error("out of range");
      expect(headersIn(forced.records).map((b) => b.header.baseOffset)).toEqual([offset - (offset % 3n)]);
    }
    const atEnd = await log.read(18n, 1 << 20, true);
    expect(atEnd !== OFFSET_OUT_OF_RANGE && atEnd.records.length).toBe(0);
    expect(await log.read(19n, 1 << 20, true)).toBe(OFFSET_OUT_OF_RANGE);
    expect(await log.read(-1n, 1 << 20, true)).toBe(OFFSET_OUT_OF_RANGE);
  });

  it("replays every batch from an offset, as the broker's own logs are read back", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    for (const v of ["a", "b", "c", "d"]) await log.appendAsLeader(batch([v]));
    const replayed: string[] = [];
    for await (const bytes of log.batches(2n)) replayed.push(...recordsIn(bytes).map((r) => `${r.offset}:${r.value}`));
    expect(replayed).toEqual(["2:c", "3:d"]);
  });

  it("finds offsets by timestamp, the special timestamps included", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    expect(await log.offsetForTimestamp(-3n)).toBeUndefined();
    await log.appendAsLeader(batch(["a", "b"], [BASE_TIMESTAMP, BASE_TIMESTAMP + 10n]));
    await log.appendAsLeader(batch(["c"], [BASE_TIMESTAMP + 30n]));
    await log.appendAsLeader(batch(["d"], [BASE_TIMESTAMP + 20n]));
    expect(await log.offsetForTimestamp(-2n)).toEqual({ timestamp: -1n, offset: 0n });
    expect(await log.offsetForTimestamp(-1n)).toEqual({ timestamp: -1n, offset: 4n });
    expect(await log.offsetForTimestamp(-3n)).toEqual({ timestamp: BASE_TIMESTAMP + 30n, offset: 2n });
    expect(await log.offsetForTimestamp(BASE_TIMESTAMP + 5n)).toEqual({ timestamp: BASE_TIMESTAMP + 10n, offset: 1n });
    expect(await log.offsetForTimestamp(BASE_TIMESTAMP + 31n)).toBeUndefined();
  });

  it("wakes listeners on append until they unsubscribe", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    let calls = 0;
    const unsubscribe = log.onAppend(() => calls++);
    await log.appendAsLeader(batch(["a"]));
    expect(calls).toBe(1);
    unsubscribe();
    await log.appendAsLeader(batch(["b"]));
    expect(calls).toBe(1);
  });

  it("keeps every acknowledged batch across a restart, and appends after it", async () => {
    let engine = await open();
    const log = await engine.createLog("t", 3, TOPIC_ID);
    await log.appendAsLeader(batch(["a", "b"]));
    await log.appendAsLeader(batch(["c"]));
    const before = await readAll(log);
    engine = await reopen(engine);
    const again = (await engine.getLog("t", 3))!;
    expect(again.logEndOffset).toBe(3n);
    expect(Buffer.from(await readAll(again))).toEqual(Buffer.from(before));
    expect((await again.appendAsLeader(batch(["d"]))).baseOffset).toBe(3n);
    expect(await engine.getLog("t", 0)).toBeUndefined();
  });

  it.runIf(e.crashDuringLastAppend)("opens and serves what a crash in the middle of an append left, without that append", async () => {
    const crashed = await open();
    const log = await crashed.createLog("t", 0, TOPIC_ID);
    await log.appendAsLeader(batch(["kept"]));
    await log.appendAsLeader(batch(["torn"]));
    const engine = e.crashDuringLastAppend!(crashed, "t", 0);
    opened.unshift(engine);
    const again = (await engine.getLog("t", 0))!;
    expect(again.logEndOffset).toBe(1n);
    expect(recordsIn(await readAll(again)).map((r) => r.value)).toEqual(["kept"]);
    expect((await again.appendAsLeader(batch(["next"]))).baseOffset).toBe(1n);
  });

  it("never lets a deleted topic's data reappear under a new topic of the same name", async () => {
    let engine = await open();
    const old = await engine.createLog("t", 0, TOPIC_ID);
    await old.appendAsLeader(batch(["old data"]));
    await engine.deleteLogs("t");
    expect(await engine.getLog("t", 0)).toBeUndefined();
    const fresh = await engine.createLog("t", 0, OTHER_TOPIC_ID);
    expect(fresh.logEndOffset).toBe(0n);
    await fresh.appendAsLeader(batch(["new data"]));
    engine = await reopen(engine);
    expect(recordsIn(await readAll((await engine.getLog("t", 0))!)).map((r) => r.value)).toEqual(["new data"]);
  });

  it("keeps the cluster metadata: topics created and deleted come back after a restart, with new ids for a recreated name", async () => {
    let engine = await open();
    let metadata = await ClusterMetadata.open(engine, codec, 1);
    const first = await metadata.createTopic("orders", 2, 1);
    await metadata.deleteTopic("orders");
    const second = await metadata.createTopic("orders", 3, 1);
    expect(second.topicId).not.toBe(first.topicId);
    engine = await reopen(engine);
    metadata = await ClusterMetadata.open(engine, codec, 1);
    expect(metadata.topics().map((t) => [t.name, t.topicId, t.partitions.size])).toEqual([["orders", second.topicId, 3]]);
    expect(metadata.topicById(first.topicId)).toBeUndefined();
  });

  // After a restart the broker's scan of the log offers every abort marker again, so an engine need not persist these.
  it("keeps the aborted transactions it is told of, once each, and lists those overlapping a range", async () => {
    const engine = await open();
    const log = await engine.createLog("t", 0, TOPIC_ID);
    await log.appendAsLeader(batch(["a", "b", "c", "d", "e", "f"]));
    const first = { producerId: 1000n, firstOffset: 0n, lastOffset: 2n, lastStableOffset: 3n };
    const second = { producerId: 1001n, firstOffset: 3n, lastOffset: 5n, lastStableOffset: 6n };
    await log.appendAbortedTransaction(first);
    await log.appendAbortedTransaction(second);
    // A marker replayed at start-up is offered again: it is not listed twice.
    await log.appendAbortedTransaction(first);
    expect(await log.collectAbortedTransactions(0n, 6n)).toEqual([first, second]);
    expect(await log.collectAbortedTransactions(3n, 6n)).toEqual([second]);
    expect(await log.collectAbortedTransactions(0n, 3n)).toEqual([first]);
    expect(await log.collectAbortedTransactions(6n, 6n)).toEqual([]);
  });

  it("keeps InitProducerId's state across a restart", async () => {
    let engine = await open();
    expect(await engine.producerIds.load()).toBeUndefined();
    const state = { nextProducerId: 1234n };
    expect(await engine.producerIds.save(state, undefined)).toBe(true);
    state.nextProducerId = 1n;
    engine = await reopen(engine);
    expect(await engine.producerIds.load()).toEqual({ nextProducerId: 1234n });
  });

  describe("retention (cleanup.policy=delete), each batch in a segment of its own", () => {
    const one = batch(["v0"]).length;
    const at = (ms: number) => BASE_TIMESTAMP + BigInt(ms);
    /** A log of `count` one-record batches, record i stamped BASE_TIMESTAMP + i s. */
    const retainedLog = async (count: number, config: Partial<LogConfig>, topic = "t") => {
      const engine = await open();
      engine.useConfigRepository(() => logConfig({ segmentBytes: one, ...config }));
      const log = await engine.createLog(topic, 0, TOPIC_ID);
      for (let i = 0; i < count; i++) await log.appendAsLeader(batch([`v${i}`], [at(i * 1000)]));
      return { engine, log };
    };
    const values = async (log: PartitionLog) => recordsIn(await readAll(log)).map((r) => r.value);

    it("deletes the oldest batches whose newest record is older than retention.ms, and the log start moves past them", async () => {
      const { engine, log } = await retainedLog(4, { retentionMs: 1500 });
      // At BASE + 3.4 s the records at 0 s and 1 s are more than 1.5 s old, the one at 2 s is not.
      expect(await engine.cleanupLogs(Number(at(3400)))).toBe(2);
      expect(log.logStartOffset).toBe(2n);
      expect(log.size).toBe(2 * one);
      expect(await log.read(1n, 1 << 20, true)).toBe(OFFSET_OUT_OF_RANGE);
      expect(await values(log)).toEqual(["v2", "v3"]);
      expect(await log.offsetForTimestamp(-2n)).toEqual({ timestamp: -1n, offset: 2n });
      expect(await engine.cleanupLogs(Number(at(3400)))).toBe(0);
      const again = (await (await reopen(engine)).getLog("t", 0))!;
      expect(again.logStartOffset).toBe(2n);
      expect(await values(again)).toEqual(["v2", "v3"]);
    });

    it("empties an idle log past retention.ms: the log start reaches the log end, which stays, and appends go on from it", async () => {
      const { engine, log } = await retainedLog(3, { retentionMs: 1000 });
      expect(await engine.cleanupLogs(Number(at(60_000)))).toBe(3);
      expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([3n, 3n, 3n]);
      expect(await log.offsetForTimestamp(-2n)).toEqual({ timestamp: -1n, offset: 3n });
      expect(await log.offsetForTimestamp(-1n)).toEqual({ timestamp: -1n, offset: 3n });
      const atEnd = await log.read(3n, 1 << 20, true);
      expect(atEnd !== OFFSET_OUT_OF_RANGE && atEnd.records.length).toBe(0);
      expect((await log.appendAsLeader(batch(["next"], [at(60_000)]))).baseOffset).toBe(3n);
      expect(await values(log)).toEqual(["next"]);
    });

    it("deletes the oldest batches while the log without them stays at least retention.bytes", async () => {
      const { engine, log } = await retainedLog(5, { retentionBytes: 2 * one + 1 });
      // Without a third batch the log would be under retention.bytes: as Kafka, it stays above.
      expect(await engine.cleanupLogs(Number(at(5000)))).toBe(2);
      expect(log.logStartOffset).toBe(2n);
      expect(log.size).toBe(3 * one);
      expect(await values(log)).toEqual(["v2", "v3", "v4"]);
    });

    it("answers the largest timestamp (ListOffsets -3) from the batches left", async () => {
      const engine = await open();
      engine.useConfigRepository(() => logConfig({ segmentBytes: one, retentionBytes: 2 * one }));
      const log = await engine.createLog("t", 0, TOPIC_ID);
      for (const ms of [9000, 1000, 5000, 2000]) await log.appendAsLeader(batch([`v${ms / 1000}`], [at(ms)]));
      expect(await log.offsetForTimestamp(-3n)).toEqual({ timestamp: at(9000), offset: 0n });
      expect(await engine.cleanupLogs(Number(at(9000)))).toBe(2);
      expect(await log.offsetForTimestamp(-3n)).toEqual({ timestamp: at(5000), offset: 2n });
    });

    it("after DeleteRecords, deletes from the batch holding the new log start, which stays where DeleteRecords put it", async () => {
      const { engine, log } = await retainedLog(3, { retentionMs: 1500 });
      await log.appendAsLeader(batch(["a", "b", "c"], [at(10_000), at(10_000), at(10_000)]));
      expect(await log.maybeIncrementLogStartOffset(4n)).toBe(4n);
      // The batches below offset 3 are past retention.ms; the one holding 4 is not.
      await engine.cleanupLogs(Number(at(10_000)));
      expect(log.logStartOffset).toBe(4n);
      expect(recordsIn(await readAll(log)).map((r) => r.offset)).toEqual([3n, 4n, 5n]);
    });

    it("deletes nothing by time or size from a compacted log (cleanup.policy=compact) or the cluster metadata log", async () => {
      const engine = await open();
      const retained = { segmentBytes: one, retentionMs: 0, retentionBytes: 0 };
      engine.useConfigRepository((topic) => logConfig(topic === "compacted" ? { ...retained, cleanupPolicy: ["compact"] } : retained));
      const logs = [await engine.createLog("compacted", 0, TOPIC_ID), await engine.createLog(CLUSTER_METADATA_TOPIC, 0, OTHER_TOPIC_ID)];
      for (const log of logs) for (let i = 0; i < 3; i++) await log.appendAsLeader(batch([`v${i}`], [at(i * 1000)]));
      expect(await engine.cleanupLogs(Number(at(1_000_000)))).toBe(0);
      for (const log of logs) expect([log.logStartOffset, await values(log)]).toEqual([0n, ["v0", "v1", "v2"]]);
    });
  });

  it("has a cluster id that stays across a restart", async () => {
    const engine = await open();
    const id = engine.clusterId;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await reopen(engine)).clusterId).toBe(id);
  });
});
