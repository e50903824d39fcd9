// Transactions at the protocol level: the edge cases clients rarely show. Timeouts, produce
// outside a transaction, fencing per API version, read_committed Fetch and ListOffsets around an
// open and an aborted transaction, the .txnindex, the admin APIs, the coordinator's timeout abort,
// and a broker that stopped between PrepareCommit and the markers.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSACTIONAL_BATCH } from "../../src/codec/batch-header.ts";
import { TransactionStateManager } from "../../src/coordinator/transaction-state-manager.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import * as describeProducersReq from "../../src/protocol/generated/describe-producers-request.ts";
import * as describeProducersRes from "../../src/protocol/generated/describe-producers-response.ts";
import * as offsetFetchReq from "../../src/protocol/generated/offset-fetch-request.ts";
import * as offsetFetchRes from "../../src/protocol/generated/offset-fetch-response.ts";
import * as txnOffsetCommitReq from "../../src/protocol/generated/txn-offset-commit-request.ts";
import * as txnOffsetCommitRes from "../../src/protocol/generated/txn-offset-commit-response.ts";
import { readBatchHeader } from "../../src/codec/batch-header.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { apiPair } from "../support/api-pair.ts";
import { Fetch, ListOffsets, Produce } from "../support/messages.ts";
import { RawClient } from "../support/raw-client.ts";
import { createTopicOk, fetchBody, produceBody } from "../support/requests.ts";
import { codec } from "../storage/support.ts";
import { AddOffsetsToTxn, AddPartitionsToTxn, DescribeTransactions, EndTxn, InitProducerId, ListTransactions } from "./messages.ts";

const TxnOffsetCommit = apiPair(txnOffsetCommitReq.TXN_OFFSET_COMMIT_REQUEST, txnOffsetCommitReq.encodeTxnOffsetCommitRequest, txnOffsetCommitRes.decodeTxnOffsetCommitResponse);
const OffsetFetch = apiPair(offsetFetchReq.OFFSET_FETCH_REQUEST, offsetFetchReq.encodeOffsetFetchRequest, offsetFetchRes.decodeOffsetFetchResponse);
const DescribeProducers = apiPair(describeProducersReq.DESCRIBE_PRODUCERS_REQUEST, describeProducersReq.encodeDescribeProducersRequest, describeProducersRes.decodeDescribeProducersResponse);

let broker: TestBroker;
let raw: RawClient;

beforeAll(async () => {
  broker = await startTestBroker({ transactionAbortTimedOutTransactionCleanupIntervalMs: 50 });
  raw = await RawClient.connect(broker.port);
});
afterAll(async () => {
  raw?.close();
  await broker?.dispose();
});

interface Producer {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
}

async function init(transactionalId: string, transactionTimeoutMs = 60_000, version = 4) {
  return raw.request(InitProducerId.request, InitProducerId.response, version, { transactionalId, transactionTimeoutMs, producerId: -1n, producerEpoch: -1 });
}

async function initOk(transactionalId: string, transactionTimeoutMs = 60_000): Promise<Producer> {
  const r = await init(transactionalId, transactionTimeoutMs);
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch };
}

async function addPartitions(p: Producer, topics: { name: string; partitions: number[] }[], version = 3) {
  const r = await raw.request(AddPartitionsToTxn.request, AddPartitionsToTxn.response, version, {
    v3AndBelowTransactionalId: p.transactionalId, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: topics,
  });
  return r.resultsByTopicV3AndBelow!.flatMap((t) => t.resultsByPartition.map((q) => [t.name, q.partitionIndex, q.partitionErrorCode]));
}

async function endTxn(p: Producer, committed: boolean, version = 3) {
  const r = await raw.request(EndTxn.request, EndTxn.response, version, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });
  return r.errorCode;
}

function transactionalBatch(p: Producer, baseSequence: number, values: string[]): Uint8Array {
  return codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: 0, attributes: TRANSACTIONAL_BATCH, lastOffsetDelta: values.length - 1,
    firstTimestamp: 1726045973899n, maxTimestamp: 1726045973899n, producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence,
    records: values.map((v, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: Buffer.from(v), headers: [] })),
  });
}

async function produceTxn(p: Producer, topic: string, partition: number, records: Uint8Array) {
  const res = await raw.request(Produce.request, Produce.response, 9, { ...produceBody(topic, [{ index: partition, records }]), transactionalId: p.transactionalId });
  return res.responses[0].partitionResponses[0];
}

async function fetchPartition(topic: string, isolationLevel: number) {
  const res = await raw.request(Fetch.request, Fetch.response, 12, { ...fetchBody(topic, [[0, 0n]], 1 << 20), isolationLevel });
  const part = res.responses[0].partitions[0];
  const records = part.records ?? new Uint8Array(0);
  const batches = [...batchSpans(records)].map((s) => readBatchHeader(records, s.position));
  return { part, batches };
}

async function latest(topic: string, isolationLevel: number): Promise<bigint> {
  const r = await raw.request(ListOffsets.request, ListOffsets.response, 7, {
    replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  return r.topics[0].partitions[0].offset!;
}

async function describe1(transactionalId: string) {
  const r = await raw.request(DescribeTransactions.request, DescribeTransactions.response, 0, { transactionalIds: [transactionalId] });
  return r.transactionStates[0];
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("transactions, protocol level", () => {
  it("refuses a transaction timeout above transaction.max.timeout.ms (or not positive) with INVALID_TRANSACTION_TIMEOUT", async () => {
    expect((await init("tx-timeout", 900_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init("tx-timeout", 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init("tx-timeout", 900_000)).errorCode).toBe(ErrorCode.NONE);
  });

  it("accepts transactional batches only for partitions added to the open transaction; clients cannot write control batches", async () => {
    await createTopicOk(raw, "txn-proto-produce", 2);
    const p = await initOk("tx-produce");
    expect(await produceTxn(p, "txn-proto-produce", 0, transactionalBatch(p, 0, ["early"]))).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    expect(await addPartitions(p, [{ name: "txn-proto-produce", partitions: [0] }, { name: "no-such-topic", partitions: [0] }])).toEqual([
      ["txn-proto-produce", 0, ErrorCode.OPERATION_NOT_ATTEMPTED],
      ["no-such-topic", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(await addPartitions(p, [{ name: "txn-proto-produce", partitions: [0] }])).toEqual([["txn-proto-produce", 0, ErrorCode.NONE]]);
    expect(await produceTxn(p, "txn-proto-produce", 0, transactionalBatch(p, 0, ["in"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produceTxn(p, "txn-proto-produce", 1, transactionalBatch(p, 1, ["not added"]))).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    const control = codec.encodeRecordBatch({
      baseOffset: 0n, partitionLeaderEpoch: 0, attributes: 0x30, lastOffsetDelta: 0, firstTimestamp: 1n, maxTimestamp: 1n,
      producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: -1,
      records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]), headers: [] }],
    });
    expect(await produceTxn(p, "txn-proto-produce", 0, control)).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
    expect(await endTxn(p, true)).toBe(ErrorCode.NONE);
    // A retried EndTxn is answered as the first was; the opposite decision is INVALID_TXN_STATE.
    expect(await endTxn(p, true)).toBe(ErrorCode.NONE);
    expect(await endTxn(p, false)).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it("answers EndTxn without a transaction, an unknown id and a stale epoch as Kafka does, per version", async () => {
    const p = await initOk("tx-errors");
    expect(await endTxn(p, true)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await endTxn({ ...p, transactionalId: "tx-never-seen" }, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const stale = { ...p, producerEpoch: p.producerEpoch - 1 };
    expect(await endTxn(stale, true, 2)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await endTxn(stale, true, 1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await addPartitions(stale, [{ name: "txn-proto-produce", partitions: [0] }], 2)).toEqual([["txn-proto-produce", 0, ErrorCode.PRODUCER_FENCED]]);
    expect(await addPartitions(stale, [{ name: "txn-proto-produce", partitions: [0] }], 1)).toEqual([["txn-proto-produce", 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);
  });

  it("stops read_committed at the last stable offset, and lists an aborted transaction with the records it returns", async () => {
    const topic = "txn-proto-lso";
    await createTopicOk(raw, topic, 1);
    const p = await initOk("tx-lso");
    expect(await addPartitions(p, [{ name: topic, partitions: [0] }])).toEqual([[topic, 0, ErrorCode.NONE]]);
    await produceTxn(p, topic, 0, transactionalBatch(p, 0, ["a", "b", "c"]));

    const open = await fetchPartition(topic, 1);
    expect(open.batches).toEqual([]);
    expect(open.part).toMatchObject({ highWatermark: 3n, lastStableOffset: 0n, abortedTransactions: null });
    expect((await fetchPartition(topic, 0)).batches).toHaveLength(1);
    expect(await latest(topic, 1)).toBe(0n);
    expect(await latest(topic, 0)).toBe(3n);
    const producers = await raw.request(DescribeProducers.request, DescribeProducers.response, 0, { topics: [{ name: topic, partitionIndexes: [0] }] });
    expect(producers.topics[0].partitions[0].activeProducers).toMatchObject([{ producerId: p.producerId, producerEpoch: p.producerEpoch, lastSequence: 2, currentTxnStartOffset: 0n }]);
    expect(await describe1("tx-lso")).toMatchObject({ errorCode: 0, transactionState: "Ongoing", producerId: p.producerId, topics: [{ topic, partitions: [0] }] });
    const ongoing = await raw.request(ListTransactions.request, ListTransactions.response, 1, { stateFilters: ["Ongoing", "Nonsense"], producerIdFilters: [], durationFilter: -1n });
    expect(ongoing.transactionStates.map((t) => t.transactionalId)).toEqual(["tx-lso"]);
    expect(ongoing.unknownStateFilters).toEqual(["Nonsense"]);

    expect(await endTxn(p, false)).toBe(ErrorCode.NONE);
    const aborted = await fetchPartition(topic, 1);
    // The data batch and the ABORT marker; the consumer skips the first as aborted and the second as control.
    expect(aborted.batches.map((b) => [b.baseOffset, b.attributes])).toEqual([[0n, TRANSACTIONAL_BATCH], [3n, 0x30]]);
    expect(aborted.part).toMatchObject({ highWatermark: 4n, lastStableOffset: 4n, abortedTransactions: [{ producerId: p.producerId, firstOffset: 0n }] });
    expect(await latest(topic, 1)).toBe(4n);
    const txnIndex = join(broker.logDir, `${topic}-0`, "00000000000000000000.txnindex");
    expect(existsSync(txnIndex) && statSync(txnIndex).size).toBe(34);
    expect(await describe1("tx-lso")).toMatchObject({ transactionState: "CompleteAbort", topics: [] });
    expect(await describe1("tx-unknown")).toMatchObject({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND });
  });

  it("keeps TxnOffsetCommit offsets unstable until the commit, then visible", async () => {
    const topic = "txn-proto-offsets";
    await createTopicOk(raw, topic, 1);
    const p = await initOk("tx-offsets");
    const fetchOffset = async () => {
      const r = await raw.request(OffsetFetch.request, OffsetFetch.response, 7, { groupId: "txn-proto-group", topics: [{ name: topic, partitionIndexes: [0] }], requireStable: true });
      return r.topics![0].partitions![0];
    };
    const commit = () =>
      raw.request(TxnOffsetCommit.request, TxnOffsetCommit.response, 3, {
        transactionalId: p.transactionalId, groupId: "txn-proto-group", producerId: p.producerId, producerEpoch: p.producerEpoch,
        generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    // Before AddOffsetsToTxn the group's partition is not in the transaction.
    expect((await commit()).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    const added = await raw.request(AddOffsetsToTxn.request, AddOffsetsToTxn.response, 3, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: "txn-proto-group" });
    expect(added.errorCode).toBe(ErrorCode.NONE);
    expect((await commit()).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(await fetchOffset()).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n });
    expect(await endTxn(p, true)).toBe(ErrorCode.NONE);
    expect(await fetchOffset()).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 7n });
  });

  it("aborts a transaction open past its timeout and fences its producer; read_committed moves past it", async () => {
    const topic = "txn-proto-timeout";
    await createTopicOk(raw, topic, 1);
    const p = await initOk("tx-times-out", 300);
    await addPartitions(p, [{ name: topic, partitions: [0] }]);
    await produceTxn(p, topic, 0, transactionalBatch(p, 0, ["left open"]));
    expect((await fetchPartition(topic, 1)).part.lastStableOffset).toBe(0n);
    await waitFor(async () => (await describe1("tx-times-out")).transactionState === "CompleteAbort", "the coordinator to abort the timed-out transaction");
    const after = await fetchPartition(topic, 1);
    expect(after.part).toMatchObject({ lastStableOffset: 2n, highWatermark: 2n, abortedTransactions: [{ producerId: p.producerId, firstOffset: 0n }] });
    expect((await describe1("tx-times-out")).producerEpoch).toBe(p.producerEpoch + 1);
    expect(await addPartitions(p, [{ name: topic, partitions: [0] }])).toEqual([[topic, 0, ErrorCode.PRODUCER_FENCED]]);
  });

  it("completes, at start-up, a commit the broker stopped between PrepareCommit and the markers", async () => {
    const topic = "txn-proto-recovery";
    await createTopicOk(raw, topic, 1);
    const p = await initOk("tx-recovered");
    await addPartitions(p, [{ name: topic, partitions: [0] }]);
    await produceTxn(p, topic, 0, transactionalBatch(p, 0, ["x", "y"]));
    // What EndTxn writes first, and nothing after it: the broker dies before any marker.
    const current = broker.running.broker.transactionCoordinator.transaction("tx-recovered")!;
    await new TransactionStateManager(broker.running.broker.storage, codec, 1).append({ ...current, partitions: new Set(current.partitions), state: "PrepareCommit" });
    raw.close();
    await broker.restart();
    raw = await RawClient.connect(broker.port);
    expect(await describe1("tx-recovered")).toMatchObject({ transactionState: "CompleteCommit", topics: [] });
    const read = await fetchPartition(topic, 1);
    expect(read.batches.map((b) => [b.baseOffset, b.attributes])).toEqual([[0n, TRANSACTIONAL_BATCH], [2n, 0x30]]);
    expect(read.part).toMatchObject({ lastStableOffset: 3n, abortedTransactions: null });
  });
});
