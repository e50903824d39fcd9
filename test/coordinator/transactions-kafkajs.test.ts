// KafkaJS transactions against the broker: producer.transaction() with send + sendOffsets +
// commit, an aborted one, and what read_committed and read_uncommitted consumers then see.
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { signal, within } from "../clients/support/wait.ts";

const PARTITIONS = 3;

let broker: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  // Timed-out transactions are looked for every 100 ms.
  broker = await startTestBroker({ transactionAbortTimedOutTransactionCleanupIntervalMs: 100 });
  kafka = new Kafka({ clientId: "txn-kafkajs", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
});
afterAll(async () => {
  await broker?.dispose();
});

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function transactionalProducer(transactionalId: string, transactionTimeout?: number): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, transactionTimeout, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

const messages = (tag: string, count: number) => Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));

/** The values a consumer of `groupId` reads from the beginning, until `count` arrived (then it leaves the group). */
async function consumeValues(topic: string, groupId: string, readUncommitted: boolean, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200 });
  const values: string[] = [];
  const all = signal();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= count) all.resolve();
      },
    });
    await within(all.promise, 20_000, `${count} messages of ${topic} (got ${values.length})`);
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

async function committedOffsets(groupId: string, topic: string): Promise<[number, string][]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);
  } finally {
    await admin.disconnect();
  }
}

describe("KafkaJS transactions", () => {
  it("commits send + sendOffsets, aborts another; read_committed sees only committed records, read_uncommitted sees all", async () => {
    const topic = "txn-kafkajs-out";
    const input = "txn-kafkajs-in";
    await createTopic(topic);
    await createTopic(input);
    const producer = await transactionalProducer("txn-kafkajs-1");
    try {
      const first = await producer.transaction();
      await first.send({ topic, messages: messages("committed-a", 30) });
      await first.sendOffsets({ consumerGroupId: "txn-app", topics: [{ topic: input, partitions: [{ partition: 0, offset: "30" }] }] });
      // Offsets of an open transaction are not visible yet.
      expect(await committedOffsets("txn-app", input)).toEqual([[0, "-1"], [1, "-1"], [2, "-1"]]);
      await first.commit();
      expect(await committedOffsets("txn-app", input)).toEqual([[0, "30"], [1, "-1"], [2, "-1"]]);

      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: messages("aborted", 20) });
      await aborted.sendOffsets({ consumerGroupId: "txn-app", topics: [{ topic: input, partitions: [{ partition: 0, offset: "50" }] }] });
      await aborted.abort();
      expect(await committedOffsets("txn-app", input)).toEqual([[0, "30"], [1, "-1"], [2, "-1"]]);

      const last = await producer.transaction();
      await last.send({ topic, messages: messages("committed-b", 10) });
      await last.commit();
    } finally {
      await producer.disconnect();
    }

    const committed = [...messages("committed-a", 30), ...messages("committed-b", 10)].map((m) => m.value).sort();
    expect(await consumeValues(topic, "txn-read-committed", false, committed.length)).toEqual(committed);
    const everything = [...messages("committed-a", 30), ...messages("aborted", 20), ...messages("committed-b", 10)].map((m) => m.value).sort();
    expect(await consumeValues(topic, "txn-read-uncommitted", true, everything.length)).toEqual(everything);
  }, 60_000);

  it("fences the older of two producers with one transactional id; the newer one commits", async () => {
    const topic = "txn-kafkajs-fenced";
    await createTopic(topic);
    const older = await transactionalProducer("txn-kafkajs-shared");
    const zombie = await older.transaction();
    await zombie.send({ topic, messages: messages("zombie", 5) });
    // The newer instance's InitProducerId (KafkaJS sends it when the first transaction begins)
    // aborts the older one's open transaction and fences it.
    const newer = await transactionalProducer("txn-kafkajs-shared");
    try {
      const txn = await newer.transaction();
      await expect(zombie.send({ topic, messages: messages("zombie-late", 5) })).rejects.toThrow(/epoch/i);
      await expect(zombie.commit()).rejects.toThrow();
      await txn.send({ topic, messages: messages("newer", 5) });
      await txn.commit();
    } finally {
      await older.disconnect().catch(() => {});
      await newer.disconnect();
    }
    expect(await consumeValues(topic, "txn-fenced-reader", false, 5)).toEqual(messages("newer", 5).map((m) => m.value).sort());
  }, 60_000);

  it("aborts a transaction left open past its timeout; read_committed consumers then read what follows it", async () => {
    const topic = "txn-kafkajs-timeout";
    await createTopic(topic);
    const stalled = await transactionalProducer("txn-kafkajs-stalled", 500);
    const other = await transactionalProducer("txn-kafkajs-after");
    try {
      const open = await stalled.transaction();
      await open.send({ topic, messages: messages("stalled", 6) });
      const after = await other.transaction();
      await after.send({ topic, messages: messages("after", 6) });
      await after.commit();
      // Until the broker aborts the stalled transaction, the last stable offsets stay before it.
      expect(await consumeValues(topic, "txn-timeout-reader", false, 6)).toEqual(messages("after", 6).map((m) => m.value).sort());
      await expect(open.commit()).rejects.toThrow();
    } finally {
      await stalled.disconnect().catch(() => {});
      await other.disconnect();
    }
  }, 60_000);
});
