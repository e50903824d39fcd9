// Transactions on brokers sharing PostgreSQL: each transactional id has one coordinator (the live
// broker FindCoordinator names; the others answer NOT_COORDINATOR), every broker follows
// __transaction_state, and when the coordinator goes (killed -9, its lease left to lapse) its ids'
// transactions carry on at the broker taking them over: a new producer instance fences the old one,
// an open transaction is aborted (by the new instance, or at its timeout), a prepared one is completed.
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { expect, it } from "vitest";
import { TRANSACTIONAL_BATCH, readBatchHeader } from "../../src/codec/batch-header.ts";
import { type BrokerEndpoint, GROUP_KEY_TYPE, TRANSACTION_KEY_TYPE, coordinatorFor, leaderFor } from "../../src/cluster/broker-registry.ts";
import { TransactionStateManager } from "../../src/coordinator/transaction-state-manager.ts";
import type { RunningBroker } from "../../src/index.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { PostgresEngine } from "../../src/storage/postgres/postgres-engine.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { consumeWithGroup, offsetsByPartition } from "../clients/support/kafkajs.ts";
import { AddOffsetsToTxn, AddPartitionsToTxn, DescribeTransactions, EndTxn, InitProducerId, ListTransactions } from "../coordinator/messages.ts";
import { valuesBatch } from "../helpers/record-batch.ts";
import { codec, tempDir } from "../storage/support.ts";
import { BrokerChild } from "../support/broker-child.ts";
import { Fetch, FindCoordinator, Produce } from "../support/messages.ts";
import { RawClient } from "../support/raw-client.ts";
import { fetchBody, produceBody } from "../support/requests.ts";
import { describeWith } from "../support/system-clients.ts";
import { until, usePostgresCluster } from "./support.ts";

/** A dead broker's ids move once its lease (or its clean shutdown's release) is seen: kept short here. */
const LEASE = { brokerSessionTimeoutMs: 1500, brokerHeartbeatIntervalMs: 100, transactionAbortTimedOutTransactionCleanupIntervalMs: 100 };

interface Producer {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
}

/** Two brokers, each seeing the other live. */
async function twoBrokers(cluster: ReturnType<typeof usePostgresCluster>): Promise<[RunningBroker, RunningBroker]> {
  const [a, b] = await cluster.brokers(cluster.database(), 2, LEASE);
  await until(() => [a, b].every((x) => x.broker.registry!.liveBrokers().length === 2), "both brokers to see each other");
  return [a, b];
}

const live = (b: RunningBroker): BrokerEndpoint[] => b.broker.registry!.liveBrokers();

/** The first `${prefix}-N` that `nodeId` coordinates among `brokers`: a transactional id, or a group id. */
function coordinatedBy(brokers: BrokerEndpoint[], nodeId: number, prefix: string, keyType = TRANSACTION_KEY_TYPE): string {
  for (let i = 0; i < 1000; i++) if (coordinatorFor(brokers, keyType, `${prefix}-${i}`) === nodeId) return `${prefix}-${i}`;
  throw new Error(`no ${prefix} id for node ${nodeId}`);
}

/** The first `${prefix}-N` whose partition 0 `nodeId` leads among `brokers`. */
function ledBy(brokers: BrokerEndpoint[], nodeId: number, prefix: string): string {
  for (let i = 0; i < 1000; i++) if (leaderFor(brokers, `${prefix}-${i}`, 0) === nodeId) return `${prefix}-${i}`;
  throw new Error(`no ${prefix} topic for node ${nodeId}`);
}

async function initProducerId(raw: RawClient, transactionalId: string, transactionTimeoutMs = 60_000) {
  return raw.request(InitProducerId.request, InitProducerId.response, 4, { transactionalId, transactionTimeoutMs, producerId: -1n, producerEpoch: -1 });
}

async function initOk(raw: RawClient, transactionalId: string, transactionTimeoutMs?: number): Promise<Producer> {
  const r = await initProducerId(raw, transactionalId, transactionTimeoutMs);
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch };
}

async function addPartition(raw: RawClient, p: Producer, topic: string): Promise<number> {
  const r = await raw.request(AddPartitionsToTxn.request, AddPartitionsToTxn.response, 3, {
    v3AndBelowTransactionalId: p.transactionalId, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }],
  });
  return r.resultsByTopicV3AndBelow![0].resultsByPartition[0].partitionErrorCode;
}

async function endTxn(raw: RawClient, p: Producer, committed: boolean): Promise<number> {
  return (await raw.request(EndTxn.request, EndTxn.response, 3, { ...p, committed })).errorCode;
}

async function produceTxn(raw: RawClient, p: Producer, topic: string, values: string[], baseSequence = 0): Promise<number> {
  const records = valuesBatch(values, { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence }, TRANSACTIONAL_BATCH);
  const r = await raw.request(Produce.request, Produce.response, 9, { ...produceBody(topic, [{ index: 0, records }]), transactionalId: p.transactionalId });
  return r.responses[0].partitionResponses[0].errorCode;
}

async function describeTxn(raw: RawClient, transactionalId: string) {
  return (await raw.request(DescribeTransactions.request, DescribeTransactions.response, 0, { transactionalIds: [transactionalId] })).transactionStates[0];
}

async function readCommitted(raw: RawClient, topic: string) {
  const r = await raw.request(Fetch.request, Fetch.response, 12, { ...fetchBody(topic, [[0, 0n]], 1 << 20), isolationLevel: 1 });
  const part = r.responses[0].partitions[0];
  const records = part.records ?? new Uint8Array(0);
  const batches = [...batchSpans(records)].map((s) => readBatchHeader(records, s.position));
  return { part, batches: batches.map((h) => [h.baseOffset, h.attributes]) };
}

describeWith(["postgresql"], "transactions on brokers sharing PostgreSQL", () => {
  const cluster = usePostgresCluster();

  it("answer NOT_COORDINATOR for a transactional id another broker coordinates, and accept its transaction's produce anywhere", async () => {
    const [a, b] = await twoBrokers(cluster);
    const id = coordinatedBy(live(a), 1, "coordinated");
    const topic = "txn-anywhere";
    await a.broker.createTopic(topic, 1);
    const [toA, toB] = await Promise.all([RawClient.connect(a.port), RawClient.connect(b.port)]);
    try {
      const found = await toB.request(FindCoordinator.request, FindCoordinator.response, 4, { keyType: TRANSACTION_KEY_TYPE, coordinatorKeys: [id] });
      expect(found.coordinators).toMatchObject([{ key: id, nodeId: 1, port: a.port, errorCode: ErrorCode.NONE }]);

      expect((await initProducerId(toB, id)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      const p = await initOk(toA, id);
      expect(await addPartition(toB, p, topic)).toBe(ErrorCode.NOT_COORDINATOR);
      expect(await addPartition(toA, p, topic)).toBe(ErrorCode.NONE);
      const addOffsets = await toB.request(AddOffsetsToTxn.request, AddOffsetsToTxn.response, 3, { ...p, groupId: "g" });
      expect(addOffsets.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      // The partition was added at a, a moment ago: b reads a's record before it checks the batch.
      expect(await produceTxn(toB, p, topic, ["x", "y"])).toBe(ErrorCode.NONE);
      expect(await endTxn(toB, p, true)).toBe(ErrorCode.NOT_COORDINATOR);
      expect((await describeTxn(toB, id)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      expect(await describeTxn(toA, id)).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: "Ongoing" });
      // An admin client asks every broker for its transactions: each id is listed once, by its coordinator.
      const listed = async (raw: RawClient) =>
        (await raw.request(ListTransactions.request, ListTransactions.response, 0, { stateFilters: [], producerIdFilters: [] })).transactionStates.map((t) => t.transactionalId);
      expect([await listed(toA), await listed(toB)]).toEqual([[id], []]);
      expect(await endTxn(toA, p, true)).toBe(ErrorCode.NONE);
      // b appended the batch, a the marker: both see the transaction committed (b once a's append has reached it).
      for (const raw of [toA, toB]) {
        await until(async () => (await readCommitted(raw, topic)).part.lastStableOffset === 3n, "the marker to reach both brokers");
        expect(await readCommitted(raw, topic)).toMatchObject({ part: { lastStableOffset: 3n, abortedTransactions: null }, batches: [[0n, TRANSACTIONAL_BATCH], [2n, 0x30]] });
      }
    } finally {
      toA.close();
      toB.close();
    }
  });

  it("let a new KafkaJS producer fence the old one at the broker taking over from a coordinator killed mid-transaction; read_committed reads its commits only", async () => {
    const url = cluster.database();
    const [b] = await cluster.brokers(url, 1, LEASE);
    // The coordinator runs as a process of its own, so it can die as a crash does: kill -9, its lease left to lapse.
    const a = await BrokerChild.start({
      logDir: join(tempDir(), "a"),
      properties: {
        "node.id": 2,
        "storage.engine": "postgres",
        "storage.postgres.url": url,
        "broker.session.timeout.ms": LEASE.brokerSessionTimeoutMs,
        "broker.heartbeat.interval.ms": LEASE.brokerHeartbeatIntervalMs,
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": LEASE.transactionAbortTimedOutTransactionCleanupIntervalMs,
      },
    });
    try {
      await until(() => live(b).length === 2, "b to see a live");
      const transactionalId = coordinatedBy(live(b), 2, "kafkajs-failover");
      const topic = ledBy(live(b), 2, "failover-out");
      // Its offsets go to b, its markers come from a: b takes them from a's writes to __consumer_offsets.
      const groupId = coordinatedBy(live(b), 1, "failover-source", GROUP_KEY_TYPE);
      await b.broker.createTopic(topic, 1);
      const client = (ports: number[]) =>
        new Kafka({ clientId: "txn-failover", brokers: ports.map((port) => `127.0.0.1:${port}`), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
      const producerOptions = { transactionalId, idempotent: true, maxInFlightRequests: 1 };
      const values = (tag: string, count: number) => Array.from({ length: count }, (_, i) => ({ value: `${tag}-${i}` }));

      const first = client([a.port, b.port]).producer(producerOptions);
      await first.connect();
      const committed = await first.transaction();
      const offsets = (offset: number) => ({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }] });
      await committed.send({ topic, messages: values("committed", 5) });
      await committed.sendOffsets(offsets(5));
      await committed.commit();
      const open = await first.transaction();
      await open.send({ topic, messages: values("open", 3) });
      await open.sendOffsets(offsets(8));

      await until(() => b.broker.transactionCoordinator.transaction(transactionalId)?.state === "Ongoing", "b to read the open transaction");
      const fenced = { ...b.broker.transactionCoordinator.transaction(transactionalId)! };
      await a.kill();
      await until(() => live(b).length === 1, "a's lease to lapse");

      const survivor = client([b.port]);
      const second = survivor.producer(producerOptions);
      await second.connect();
      const admin = survivor.admin();
      await admin.connect();
      const committedOffsets = async () => offsetsByPartition((await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions);
      // The open transaction was aborted, its offsets with it.
      expect(await committedOffsets()).toEqual([[0, "5"]]);
      const after = await second.transaction();
      await after.send({ topic, messages: values("after", 4) });
      await after.sendOffsets(offsets(12));
      await after.commit();
      expect(await committedOffsets()).toEqual([[0, "12"]]);
      await admin.disconnect();
      // The old instance cannot commit: its epoch is fenced at the new coordinator (KafkaJS may give up on the dead one first).
      const toB = await RawClient.connect(b.port);
      expect(await endTxn(toB, { transactionalId, producerId: fenced.producerId, producerEpoch: fenced.producerEpoch }, true)).toBe(ErrorCode.PRODUCER_FENCED);
      toB.close();
      await expect(open.commit()).rejects.toThrow();
      await Promise.all([first.disconnect(), second.disconnect()]);

      const read = (await consumeWithGroup(survivor, "failover-readers", topic, 9, true)).map((m) => m.value);
      // One partition: the aborted records sit before the last commit's, so any delivered would be among these.
      expect(read).toEqual([...values("committed", 5), ...values("after", 4)].map((m) => m.value));
    } finally {
      await a.kill();
    }
  });

  it("complete at the taking broker a commit its coordinator prepared and did not finish, carry on an open transaction, and abort one at its timeout", async () => {
    const [a, b] = await twoBrokers(cluster);
    const topic = "txn-taken-over";
    await a.broker.createTopic(topic, 1);
    const preparedId = coordinatedBy(live(a), 1, "prepared");
    const openId = coordinatedBy(live(a), 1, "left-open");
    const continuedId = coordinatedBy(live(a), 1, "continued");
    const toA = await RawClient.connect(a.port);
    const prepared = await initOk(toA, preparedId);
    const leftOpen = await initOk(toA, openId, 3000);
    const continued = await initOk(toA, continuedId);
    for (const [p, value] of [[prepared, "committed"], [leftOpen, "aborted"], [continued, "continued-0"]] as const) {
      expect(await addPartition(toA, p, topic)).toBe(ErrorCode.NONE);
      expect(await produceTxn(toA, p, topic, [value])).toBe(ErrorCode.NONE);
    }
    const metadata = a.broker.transactionCoordinator.transaction(preparedId)!;
    toA.close();
    await a.close();
    await until(() => live(b).length === 1, "b to see a gone");

    // What a's EndTxn wrote first before it died, before any marker.
    const storage = await PostgresEngine.open({ url: b.broker.config.storagePostgresUrl!, codec });
    try {
      await new TransactionStateManager(storage, codec, 1).append({ ...metadata, partitions: new Set(metadata.partitions), state: "PrepareCommit" });
    } finally {
      await storage.close();
    }

    const toB = await RawClient.connect(b.port);
    try {
      await until(async () => (await describeTxn(toB, preparedId)).transactionState === "CompleteCommit", "b to complete the prepared commit");
      // The producer whose transaction a was coordinating goes on with it at b, and commits it there.
      expect(await addPartition(toB, continued, topic)).toBe(ErrorCode.NONE);
      expect(await produceTxn(toB, continued, topic, ["continued-1"], 1)).toBe(ErrorCode.NONE);
      expect(await endTxn(toB, continued, true)).toBe(ErrorCode.NONE);
      await until(async () => (await describeTxn(toB, openId)).transactionState === "CompleteAbort", "b to abort the timed-out transaction");
      // The EndTxn retried at the new coordinator finds its transaction committed.
      expect(await endTxn(toB, prepared, true)).toBe(ErrorCode.NONE);
      // The open transaction's producer was fenced by the abort.
      expect(await addPartition(toB, leftOpen, topic)).toBe(ErrorCode.PRODUCER_FENCED);
      expect(await readCommitted(toB, topic)).toMatchObject({
        part: { lastStableOffset: 7n, highWatermark: 7n, abortedTransactions: [{ producerId: leftOpen.producerId, firstOffset: 1n }] },
        // prepared, left open, continued; prepared's COMMIT; continued's second batch and COMMIT; left open's ABORT.
        batches: [[0n, TRANSACTIONAL_BATCH], [1n, TRANSACTIONAL_BATCH], [2n, TRANSACTIONAL_BATCH], [3n, 0x30], [4n, TRANSACTIONAL_BATCH], [5n, 0x30], [6n, 0x30]],
      });
      // A new instance of the producer gets the next epoch from b.
      expect(await initProducerId(toB, preparedId)).toMatchObject({ errorCode: ErrorCode.NONE, producerId: prepared.producerId, producerEpoch: prepared.producerEpoch + 1 });
    } finally {
      toB.close();
    }
    expect(cluster.errors).toEqual([]);
  });
});
