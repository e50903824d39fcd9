// Idempotent Produce: a kafkajs idempotent producer, a retried request (the very same bytes sent
// twice) stored once, sequence gaps and fenced epochs refused, and the tester's made-up producer 0.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { decodeResponse, RawClient } from "../support/raw-client.ts";
import { ListOffsets, Produce } from "../support/messages.ts";
import { valuesBatch } from "../helpers/record-batch.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { InitProducerId } from "./messages.ts";

let broker: TestBroker;
let raw: RawClient;

beforeAll(async () => {
  broker = await startTestBroker();
  raw = await RawClient.connect(broker.port);
});
afterAll(async () => {
  raw?.close();
  await broker?.dispose();
});

async function topic(name: string): Promise<string> {
  await broker.running.broker.createTopic(name, 1);
  return name;
}

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, values: string[]): Uint8Array {
  return valuesBatch(values, { producerId, producerEpoch, baseSequence });
}

function produceFrame(name: string, records: Uint8Array): Uint8Array {
  return raw.frame(Produce.request, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name, partitionData: [{ index: 0, records }] }] });
}

async function produce(name: string, records: Uint8Array) {
  raw.write(produceFrame(name, records));
  return readProduceResponse();
}

async function readProduceResponse() {
  const frame = await raw.readFrame();
  const r = decodeResponse(frame!, Produce.request, Produce.response, 9);
  return r.responses[0].partitionResponses[0];
}

async function logEndOffset(name: string): Promise<bigint> {
  const r = await raw.request(ListOffsets.request, ListOffsets.response, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  return r.topics[0].partitions[0].offset!;
}

const initProducerId = (version: number, transactionalId: string | null, producerId = -1n, producerEpoch = -1) =>
  raw.request(InitProducerId.request, InitProducerId.response, version, { transactionalId, transactionTimeoutMs: 60_000, producerId, producerEpoch });

describe("idempotent Produce", () => {
  it("serves a kafkajs idempotent producer, and never hands its producer id out again", async () => {
    const name = await topic("kafkajs-idempotent");
    const kafka = new Kafka({ clientId: "idempotent-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const baseOffsets: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [result] = await producer.send({ topic: name, messages: Array.from({ length: 10 }, (_, j) => ({ value: `m${i}-${j}` })) });
        expect(result.errorCode).toBe(ErrorCode.NONE);
        baseOffsets.push(result.baseOffset!);
      }
      expect(baseOffsets).toEqual(["0", "10", "20"]);
    } finally {
      await producer.disconnect();
    }
    expect(await logEndOffset(name)).toBe(30n);
    // kafkajs got the first id; the next InitProducerId gets another.
    const next = await initProducerId(4, null);
    expect(next).toMatchObject({ errorCode: ErrorCode.NONE, producerId: 1001n, producerEpoch: 0 });
  });

  it("stores a retried batch once and answers it with the original base offset; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER", async () => {
    const name = await topic("retried");
    await produce(name, batch(-1n, -1, -1, ["plain"]));
    const { producerId, producerEpoch } = await initProducerId(4, null);
    const frame = produceFrame(name, batch(producerId, producerEpoch, 0, ["a", "b", "c"]));
    raw.write(frame);
    raw.write(frame);
    const [first, retry] = [await readProduceResponse(), await readProduceResponse()];
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect(await logEndOffset(name)).toBe(4n);

    expect(await produce(name, batch(producerId, producerEpoch, 5, ["gap"]))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1n });
    expect(await produce(name, batch(producerId, producerEpoch, 3, ["d"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 4n });
    expect(await logEndOffset(name)).toBe(5n);
  });

  it("still recognises a retried batch after a broker restart, from the batch headers in the log", async () => {
    const name = await topic("retried-across-restart");
    const { producerId } = await initProducerId(4, null);
    const retried = batch(producerId, 0, 0, ["a", "b"]);
    expect(await produce(name, retried)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce(name, batch(producerId, 0, 2, ["c"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    raw.close();
    await broker.restart();
    raw = await RawClient.connect(broker.port);
    expect(await produce(name, retried)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce(name, batch(producerId, 0, 5, ["gap"]))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(await logEndOffset(name)).toBe(3n);
    // The producer id is not handed out again either.
    expect((await initProducerId(4, null)).producerId).toBe(producerId + 1n);
  });

  it("fences an older epoch of a transactional id: INVALID_PRODUCER_EPOCH in Produce, PRODUCER_FENCED (v4+) in InitProducerId", async () => {
    const name = await topic("fenced");
    const old = await initProducerId(4, "tx-1");
    await initProducerId(4, "tx-1");
    const current = await initProducerId(4, "tx-1");
    expect(current).toMatchObject({ errorCode: ErrorCode.NONE, producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });
    expect(await produce(name, batch(current.producerId, current.producerEpoch, 0, ["new"]))).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await produce(name, batch(old.producerId, old.producerEpoch, 1, ["zombie"]))).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(await initProducerId(4, "tx-1", old.producerId, old.producerEpoch)).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED, producerId: -1n });
    expect(await initProducerId(3, "tx-1", old.producerId, old.producerEpoch)).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(await logEndOffset(name)).toBe(1n);
  });

  it("accepts every batch of a producer id it never allocated, like the challenge tester's producer 0 at sequence 0", async () => {
    const name = await topic("tester-style");
    expect(await produce(name, batch(0n, 0, 0, ["x", "y"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce(name, batch(0n, 0, 0, ["z", "w"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    expect(await logEndOffset(name)).toBe(4n);
  });
});
