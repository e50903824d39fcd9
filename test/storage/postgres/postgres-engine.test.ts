// What the postgres engine does that the storage contract does not cover: brokers sharing one
// database run retention at once and hear of each other's, and closing an engine is ordered so
// nothing queries a pool that has ended.
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { OFFSET_OUT_OF_RANGE } from "../../../src/storage/engine.ts";
import { STORAGE_CLOSED, UnknownTopicOrPartitionException } from "../../../src/storage/storage-error.ts";
import { logConfig } from "../../../src/storage/log-config.ts";
import { PostgresEngine } from "../../../src/storage/postgres/postgres-engine.ts";
import { type LocalPostgres, startLocalPostgres } from "../../../scripts/local-postgres.mjs";
import { describeWith } from "../../support/system-clients.ts";
import { BASE_TIMESTAMP, batch, codec, recordsIn } from "../support.ts";
import { endTransactionMarkerBatch } from "../../../src/storage/end-transaction-marker.ts";
import { BATCH_HEADER_SIZE, readBatchHeader } from "../../../src/codec/batch-header.ts";

const TOPIC_ID = "71a59a51-8968-4f8b-937e-2d59b2dc350e";
const one = batch(["v0"]).length;
const at = (ms: number) => BASE_TIMESTAMP + BigInt(ms);

describeWith(["postgresql"], "the postgres engine", () => {
  let pg: LocalPostgres;
  let databases = 0;
  const opened: PostgresEngine[] = [];
  beforeAll(async () => {
    pg = await startLocalPostgres();
  });
  afterAll(() => pg?.stop());
  afterEach(async () => {
    for (const engine of opened.splice(0)) await engine.close();
  });

  const database = () => {
    const name = `engine_${++databases}`;
    execFileSync("psql", [pg.url, "-q", "-c", `CREATE DATABASE ${name}`]);
    return pg.url.replace(/\/postgres$/, `/${name}`);
  };
  /** An engine as one broker opens it, with `config` for every topic. */
  const broker = async (url: string, config = {}) => {
    const engine = await PostgresEngine.open({ url, codec });
    engine.useConfigRepository(() => logConfig(config));
    opened.push(engine);
    return engine;
  };
  const psql = (url: string, sql: string) => execFileSync("psql", [url, "-qtA", "-c", sql], { encoding: "utf8" }).trim();

  it("reads the batch headers producer state is rebuilt from without the records, and transaction markers whole", async () => {
    const engine = await broker(database());
    const log = await engine.createLog("t", 0, TOPIC_ID);
    const data = batch(["a".repeat(500), "b"]);
    const marker = endTransactionMarkerBatch(codec, { producerId: 1000n, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
    await log.appendAsLeader(data);
    await log.appendAsLeader(marker);
    await log.appendAsLeader(batch(["c"]));
    const headers: Uint8Array[] = [];
    for await (const h of log.batchHeaders(2n)) headers.push(h);
    expect(headers.map((h) => [readBatchHeader(h).baseOffset, h.length])).toEqual([[2n, marker.length], [3n, BATCH_HEADER_SIZE]]);
    const all: Uint8Array[] = [];
    for await (const h of log.batchHeaders()) all.push(h);
    expect(Buffer.from(all[0])).toEqual(Buffer.from(data.subarray(0, BATCH_HEADER_SIZE)));
  });

  it("refuses an append to a partition another broker deleted as an unknown partition", async () => {
    const url = database();
    const [a, b] = [await broker(url), await broker(url)];
    await a.createLog("t", 0, TOPIC_ID);
    const cached = (await b.getLog("t", 0))!;
    await a.deleteLogs("t");
    await expect(cached.appendAsLeader(batch(["late"]))).rejects.toBeInstanceOf(UnknownTopicOrPartitionException);
  });

  it("compacts a compacted topic by whole batches, once it is dirty enough, and takes their bytes off its size", async () => {
    const url = database();
    const engine = await broker(url, { cleanupPolicy: ["compact"], minCleanableDirtyRatio: 0.5 });
    const log = await engine.createLog("t", 0, TOPIC_ID);
    const keyed = (key: string, value: string) =>
      codec.encodeRecordBatch({
        baseOffset: 0n, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: 0, firstTimestamp: BASE_TIMESTAMP, maxTimestamp: BASE_TIMESTAMP,
        producerId: -1n, producerEpoch: -1, baseSequence: -1,
        records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: new TextEncoder().encode(key), value: new TextEncoder().encode(value), headers: [] }],
      });
    for (const [k, v] of [["a", "1"], ["b", "1"], ["a", "2"], ["a", "3"]]) await log.appendAsLeader(keyed(k, v));
    const before = log.size;
    expect(await engine.cleanupLogs(Number(BASE_TIMESTAMP) + 1000)).toBe(2);
    const read = await log.read(0n, 1 << 20, true);
    if (read === OFFSET_OUT_OF_RANGE) throw new Error("out of range");
    expect(recordsIn(read.records)).toEqual([{ offset: 1n, value: "1" }, { offset: 3n, value: "3" }]);
    expect(Number(psql(url, "SELECT size_bytes FROM kafka_partitions WHERE topic = 't'"))).toBe(before - 2 * keyed("a", "1").length);
    // One batch written since: a third of the log is dirty, under min.cleanable.dirty.ratio.
    await log.appendAsLeader(keyed("b", "2"));
    expect(await engine.cleanupLogs(Number(BASE_TIMESTAMP) + 1000)).toBe(0);
  });

  it("tells the other brokers of the log start its retention check moved", async () => {
    const url = database();
    const [a, b] = [await broker(url, { retentionMs: 1500 }), await broker(url, { retentionMs: 1500 })];
    const written = await a.createLog("t", 0, TOPIC_ID);
    for (let i = 0; i < 4; i++) await written.appendAsLeader(batch([`v${i}`], [at(i * 1000)]));
    const cached = (await b.getLog("t", 0))!;
    await vi.waitFor(() => expect(cached.logEndOffset).toBe(4n), { timeout: 5000 });

    expect(await a.cleanupLogs(Number(at(3400)))).toBe(2);
    // Whether or not b has heard yet, it does not serve what is gone.
    expect(await cached.read(0n, 1 << 20, true)).toBe(OFFSET_OUT_OF_RANGE);
    await vi.waitFor(() => expect(cached.logStartOffset).toBe(2n), { timeout: 5000 });
    expect(await cached.offsetForTimestamp(-2n)).toEqual({ timestamp: -1n, offset: 2n });
  });

  it("deletes each batch once when every broker runs the check at once, and keeps the partition's size right", async () => {
    const url = database();
    const config = { retentionBytes: 10 * one };
    const engines = [await broker(url, config), await broker(url, config), await broker(url, config)];
    const log = await engines[0].createLog("t", 0, TOPIC_ID);
    // Values of one length, so every batch is `one` byte long.
    for (let i = 0; i < 60; i++) await log.appendAsLeader(batch([`v${i % 10}`], [at(i)]));
    const deleted = await Promise.all(engines.flatMap((e) => [e.cleanupLogs(Number(at(60))), e.cleanupLogs(Number(at(60)))]));
    expect(deleted.reduce((n, d) => n + d, 0)).toBe(50);
    expect(psql(url, "SELECT log_start_offset, size_bytes, (SELECT sum(length(bytes)) FROM kafka_batches) FROM kafka_partitions")).toBe(`50|${10 * one}|${10 * one}`);
    expect(await engines[2].describeLogDirs()).toEqual([expect.objectContaining({ partitions: [{ topic: "t", partition: 0, size: 10 * one }] })]);
  });

  it("writes, before it closes, the appends asked for before", async () => {
    const url = database();
    const engine = await broker(url);
    const log = await engine.createLog("t", 0, TOPIC_ID);
    // The first goes out at once; the others wait for it and go in the next statement.
    const appends = Array.from({ length: 20 }, (_, i) => log.appendAsLeader(batch([`v${i}`])));
    await engine.close();
    expect((await Promise.allSettled(appends)).map((a) => a.status)).toEqual(Array(20).fill("fulfilled"));
    expect(psql(url, "SELECT next_offset FROM kafka_partitions")).toBe("20");
    // Work started later (a catch-up a notification woke, a request being served) is refused as the engine's, not the pool's.
    await expect(log.read(0n, 1 << 20, true)).rejects.toMatchObject({ errno: STORAGE_CLOSED });
  });

  it("gives its brokers' leases back when it closes, and renews them no more", async () => {
    const url = database();
    const engine = await broker(url);
    const errors: Error[] = [];
    await engine.registerBroker({ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }, { leaseMs: 60_000, renewMs: 1 }, (err) => errors.push(err));
    expect(psql(url, "SELECT node_id FROM kafka_brokers")).toBe("1");
    await engine.close();
    expect(psql(url, "SELECT count(*) FROM kafka_brokers")).toBe("0");
    expect(errors).toEqual([]);
  });
});
