// Brokers sharing one PostgreSQL database (storage.engine=postgres): any broker serves any
// partition, offsets are assigned once across brokers, a Fetch waiting on one broker wakes when
// another appends, and Metadata spreads leaders over the brokers that hold a live lease.
import { execFileSync } from "node:child_process";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { expect, it } from "vitest";
import type { RunningBroker } from "../../src/index.ts";
import { until, usePostgresCluster } from "./support.ts";
import { freePort } from "../helpers/broker-process.ts";
import { describeWith } from "../support/system-clients.ts";
import { valuesBatch } from "../helpers/record-batch.ts";
import { decodeResponse, RawClient } from "../support/raw-client.ts";
import { Metadata, Produce } from "../support/messages.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { readBatchHeader } from "../../src/codec/batch-header.ts";
import { codec } from "../storage/support.ts";
import type { PostgresEngine } from "../../src/storage/postgres/postgres-engine.ts";
import { OffsetCommit } from "../coordinator/messages.ts";

function kafka(b: RunningBroker) {
  return new Kafka({ clientId: "pg-cluster", brokers: [`127.0.0.1:${b.port}`], logLevel: logLevel.NOTHING });
}

/** One Produce v9 (acks=all) of `records` to partition 0 of `topic`, and its partition's answer. */
async function produceTo(raw: RawClient, topic: string, records: Uint8Array) {
  raw.write(raw.frame(Produce.request, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }));
  return decodeResponse((await raw.readFrame(15_000))!, Produce.request, Produce.response, 9).responses[0].partitionResponses[0];
}

describeWith(["postgresql"], "brokers sharing PostgreSQL", () => {
  const { database, brokers, join, errors, postgres: pg } = usePostgresCluster();

  it("serve a topic created on one from any of them, in order, and list each other in Metadata", async () => {
    const [a, b] = await brokers(database(), 2);
    const admin = kafka(a).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "shared", numPartitions: 4 }] });
    const metadata = await admin.fetchTopicMetadata({ topics: ["shared"] });
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.map((x) => [x.nodeId, x.port]).sort()).toEqual([[1, a.port], [2, b.port]]);
    // Leaders are spread by a hash of the partition over the live brokers; with 4 partitions and 2 brokers both lead some here.
    expect(new Set(metadata.topics[0].partitions.map((p) => p.leader))).toEqual(new Set([1, 2]));

    const producer = kafka(b).producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 10}`, value: `v${i}` }));
    await producer.send({ topic: "shared", acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka(a).consumer({ groupId: "pg-readers" });
    await consumer.connect();
    await consumer.subscribe({ topic: "shared", fromBeginning: true });
    const received: { key: string; value: string; partition: number; offset: bigint }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({ key: message.key!.toString(), value: message.value!.toString(), partition, offset: BigInt(message.offset) });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((m) => m.value).sort());
    for (const p of new Set(received.map((r) => r.partition))) {
      const offsets = received.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    }
    expect(errors).toEqual([]);
  });

  it("never hand out one offset twice, nor skip one, when two brokers append to one partition at once", async () => {
    const [a, b] = await brokers(database(), 2);
    await a.broker.createTopic("contended", 1);
    const CONNECTIONS_PER_BROKER = 4;
    const REQUESTS = 50;
    const clients = await Promise.all(
      [a, b].flatMap((x) => Array.from({ length: CONNECTIONS_PER_BROKER }, () => RawClient.connect(x.port))),
    );
    const acked = await Promise.all(
      clients.map(async (raw, c) => {
        const bases: bigint[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const values = [`c${c}-r${i}-a`, `c${c}-r${i}-b`, `c${c}-r${i}-c`];
          const records = valuesBatch(values);
          const p = await produceTo(raw, "contended", records);
          expect(p.errorCode).toBe(ErrorCode.NONE);
          bases.push(p.baseOffset);
        }
        raw.close();
        return bases;
      }),
    );
    const total = clients.length * REQUESTS;
    const bases = acked.flat().sort((x, y) => (x < y ? -1 : 1));
    expect(bases).toEqual(Array.from({ length: total }, (_, i) => BigInt(i * 3)));

    // The log holds every batch once, back to back from 0, each at the offset its producer was told.
    const log = (await b.broker.storage.getLog("contended", 0))!;
    const read = await log.read(0n, 64 << 20, true);
    if (read === "OFFSET_OUT_OF_RANGE") throw new Error("out of range");
    const stored = [...batchSpans(read.records)].map((s) => readBatchHeader(read.records, s.position).baseOffset);
    expect(stored).toEqual(bases);
  });

  it("answer KAFKA_STORAGE_ERROR while the database is down, serve again once it is back, and lose nothing acknowledged", async () => {
    const [broker] = await brokers(database(), 1);
    await broker.broker.createTopic("outage", 1);
    const raw = await RawClient.connect(broker.port);
    const acked = new Map<bigint, string>();
    const errorsSeen = new Set<number>();
    let n = 0;
    const produce = async () => {
      const value = `m${n++}`;
      const p = await produceTo(raw, "outage", valuesBatch([value]));
      if (p.errorCode === ErrorCode.NONE) acked.set(p.baseOffset, value);
      else errorsSeen.add(p.errorCode);
      return p.errorCode;
    };
    for (let i = 0; i < 20; i++) expect(await produce()).toBe(ErrorCode.NONE);
    pg().pause();
    try {
      expect(await produce()).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(await produce()).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    } finally {
      pg().start();
    }
    // The pool reconnects on the next query; bounded: a few tries while the server finishes starting.
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) recovered = (await produce()) === ErrorCode.NONE;
    expect(recovered).toBe(true);
    for (let i = 0; i < 20; i++) expect(await produce()).toBe(ErrorCode.NONE);
    raw.close();

    expect([...errorsSeen]).toEqual([ErrorCode.KAFKA_STORAGE_ERROR]);
    const log = (await broker.broker.storage.getLog("outage", 0))!;
    const read = await log.read(0n, 1 << 20, true);
    if (read === "OFFSET_OUT_OF_RANGE") throw new Error("out of range");
    const stored = new Map([...batchSpans(read.records)].map((s) => {
      const bytes = read.records.subarray(s.position, s.position + s.size);
      return [readBatchHeader(bytes).baseOffset, new TextDecoder().decode(codec.decodeRecordBatch(bytes).records[0].value!)] as const;
    }));
    for (const [offset, value] of acked) expect(stored.get(offset)).toBe(value);
    // The outage was reported once, naming the database.
    expect(errors.some((e) => e.startsWith(`query of postgres://127.0.0.1:${pg().port}/`))).toBe(true);
    errors.length = 0;
  });

  it("check an idempotent producer's sequence against what every broker appended, whichever it produced through", async () => {
    const [a, b] = await brokers(database(), 2);
    await a.broker.createTopic("moving", 1);
    const producerId = await a.broker.producerIds.generateProducerId();
    const batch = (seq: number) => valuesBatch([`s${seq}`], { producerId, producerEpoch: 0, baseSequence: seq });
    const [toA, toB] = await Promise.all([RawClient.connect(a.port), RawClient.connect(b.port)]);
    // Leadership moving back and forth (a broker dying, then rejoining): each broker has seen some of the producer's batches.
    expect(await produceTo(toB, "moving", batch(0))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produceTo(toA, "moving", batch(1))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect(await produceTo(toB, "moving", batch(2))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    // A retry, through the other broker, of a batch whose answer was lost is answered with its offset and not written again.
    expect(await produceTo(toA, "moving", batch(2))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    expect(await produceTo(toA, "moving", batch(4))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(await produceTo(toA, "moving", batch(3))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3n });
    toA.close();
    toB.close();
    // Four batches in the log, the retried one once (read from the database, not b's view, which the NOTIFY may not have reached yet).
    const log = (await b.broker.storage.getLog("moving", 0))!;
    await log.refresh!();
    expect(log.logEndOffset).toBe(4n);
  });

  it("append conditionally only at the log end the caller last saw, however stale its broker's view", async () => {
    const [a, b] = await brokers(database(), 2);
    await a.broker.createTopic("conditional", 1);
    const logA = (await a.broker.partitionLog("conditional", 0))!;
    const logB = (await b.broker.partitionLog("conditional", 0))!;
    expect(await logA.appendIfEndIs!(valuesBatch(["a0"]), 0n)).toMatchObject({ baseOffset: 0n });
    // b has not looked since: its conditional append at 0 writes nothing.
    expect(await logB.appendIfEndIs!(valuesBatch(["b0"]), 0n)).toBeUndefined();
    expect(await logB.appendIfEndIs!(valuesBatch(["b1"]), 1n)).toMatchObject({ baseOffset: 1n });
    await logA.refresh!();
    expect(logA.logEndOffset).toBe(2n);
  });

  it("keep the topic of the broker whose creation won when two create one name at once", async () => {
    const [a, b] = await brokers(database(), 2);
    const created = await Promise.allSettled([a.broker.createTopic("raced", 2), b.broker.createTopic("raced", 2)]);
    expect(created.map((c) => c.status).sort()).toEqual(["fulfilled", "rejected"]);
    // The loser removes none of the winner's logs: both brokers append to and read the topic.
    for (const [i, x] of [a, b].entries()) {
      const raw = await RawClient.connect(x.port);
      expect(await produceTo(raw, "raced", valuesBatch([`from-${i}`]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: BigInt(i) });
      raw.close();
    }
    const log = (await a.broker.partitionLog("raced", 0))!;
    await log.refresh!();
    expect(log.logEndOffset).toBe(2n);
  });

  it("answer a produce to a topic another broker just deleted with UNKNOWN_TOPIC_OR_PARTITION, keeping the connection", async () => {
    const [a, b] = await brokers(database(), 2);
    await a.broker.createTopic("doomed", 1);
    const raw = await RawClient.connect(b.port);
    expect((await produceTo(raw, "doomed", valuesBatch(["before"]))).errorCode).toBe(ErrorCode.NONE);
    await a.broker.deleteTopic("doomed");
    // Whether b has heard of the deletion yet or finds the partition gone as it appends.
    expect((await produceTo(raw, "doomed", valuesBatch(["after"]))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    raw.close();
    expect(errors).toEqual([]);
  });

  it("compact __consumer_offsets in the database, and keep each group's latest commit across a restart", async () => {
    const url = database();
    const [first] = await brokers(url, 1);
    await first.broker.createTopic("tracked", 1);
    const raw = await RawClient.connect(first.port);
    for (let offset = 1n; offset <= 10n; offset++) {
      const partitions = [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }];
      const r = await raw.request(OffsetCommit.request, OffsetCommit.response, 8, { groupId: "committer", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: "tracked", partitions }] });
      expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    }
    raw.close();
    const rows = () => Number(execFileSync("psql", [url, "-qtA", "-c", "SELECT count(*) FROM kafka_batches WHERE topic = '__consumer_offsets'"], { encoding: "utf8" }));
    expect(rows()).toBe(10);
    expect(await (first.broker.storage as PostgresEngine).cleanupLogs()).toBe(9);
    expect(rows()).toBe(1);
    await first.close();
    const [again] = await brokers(url, 1);
    const reader = kafka(again).admin();
    await reader.connect();
    expect(await reader.fetchOffsets({ groupId: "committer", topics: ["tracked"] })).toMatchObject([{ topic: "tracked", partitions: [{ partition: 0, offset: "10" }] }]);
    await reader.disconnect();
  });

  it("serve no request before registering, so a joining broker never answers as a cluster of one", async () => {
    const url = database();
    await brokers(url, 1);
    const port = await freePort();
    const joining = join(url, 2, { port });
    // Asked the moment it accepts connections: even the first answer lists both brokers.
    let raw: RawClient | undefined;
    await until(async () => (raw = await RawClient.connect(port).catch(() => undefined)) !== undefined, "the joining broker to listen");
    const metadata = await raw!.request(Metadata.request, Metadata.response, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    raw!.close();
    await joining;
    expect(metadata.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
  });

  it("never hand out one producer id twice, whichever broker InitProducerId reaches", async () => {
    const started = await brokers(database(), 3);
    const ids = await Promise.all(started.flatMap((b) => Array.from({ length: 20 }, () => b.broker.producerIds.generateProducerId())));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

