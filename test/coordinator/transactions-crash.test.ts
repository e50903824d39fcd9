// Exactly once across a crash: a KafkaJS consume-transform-produce loop moves 10,000 records from
// one topic to another, one transaction per chunk (records + the group's offsets), while the
// broker process is killed with -9 in the middle and started again on the same log dir. Read
// committed, the output holds every input record exactly once and the group's committed offsets
// are the input's ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildOnce } from "../helpers/stage.ts";
import { BrokerChild } from "../support/broker-child.ts";
import { signal, within } from "../clients/support/wait.ts";

const IN = "ctp-in";
const OUT = "ctp-out";
const GROUP = "ctp-app";
const TRANSACTIONAL_ID = "ctp-app-1";
const PARTITIONS = 3;
const COUNT = 10_000;
const CHUNK = 250;
/** The loop is killed once this many records have been moved. */
const CRASH_AFTER = 3_000;

let root: string;
let broker: BrokerChild | undefined;

beforeAll(async () => {
  await buildOnce();
  root = mkdtempSync(join(tmpdir(), "txn-crash-"));
}, 120_000);
afterAll(async () => {
  await broker?.stop();
  rmSync(root, { recursive: true, force: true });
});

const startBroker = () => BrokerChild.start({ logDir: join(root, "logs"), properties: { "group.initial.rebalance.delay.ms": 0 } });

const kafkaOf = (b: BrokerChild) =>
  new Kafka({ clientId: "ctp", brokers: [`127.0.0.1:${b.port}`], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });

async function committedTotal(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [IN] });
    return offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

interface Loop {
  /** Records whose transaction the broker acknowledged as committed. */
  readonly moved: number;
  stop(): Promise<void>;
}

/** The application: each chunk of input is sent transformed, with the offset after it, in one transaction. */
async function startLoop(kafka: Kafka): Promise<Loop> {
  const producer: Producer = kafka.producer({ transactionalId: TRANSACTIONAL_ID, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer: Consumer = kafka.consumer({ groupId: GROUP, readUncommitted: false, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  const state = { moved: 0 };
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: IN, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += CHUNK) {
        const chunk = batch.messages.slice(i, i + CHUNK);
        const last = chunk[chunk.length - 1];
        const txn = await producer.transaction();
        try {
          await txn.send({ topic: OUT, messages: chunk.map((m) => ({ key: m.key, value: `out:${m.value!.toString()}` })) });
          await txn.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic: IN, partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }] }] });
          await txn.commit();
        } catch (err) {
          await txn.abort().catch(() => {});
          throw err;
        }
        state.moved += chunk.length;
        resolveOffset(last.offset);
        await heartbeat();
      }
    },
  });
  return {
    get moved() {
      return state.moved;
    },
    async stop() {
      // After a crash the clients cannot reach the old broker: whatever they fail to say is fine.
      await within(Promise.allSettled([consumer.disconnect(), producer.disconnect()]), 15_000, "the loop's clients to disconnect");
    },
  };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every record of OUT as a read_committed consumer sees it, until `count` arrived and nothing more came for a while. */
async function readOutput(kafka: Kafka, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: "ctp-verifier", readUncommitted: false, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  const enough = signal();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: OUT, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= count) enough.resolve();
      },
    });
    await within(enough.promise, 60_000, `${count} output records (got ${values.length})`);
  } finally {
    await consumer.disconnect();
  }
  return values;
}

it("moves 10,000 records exactly once across a kill -9 and restart of the broker", async () => {
  broker = await startBroker();
  let kafka = kafkaOf(broker);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: IN, numPartitions: PARTITIONS }, { topic: OUT, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const seeder = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await seeder.connect();
  const input = Array.from({ length: COUNT }, (_, i) => `in-${i}`);
  for (let i = 0; i < COUNT; i += 1000) await seeder.send({ topic: IN, messages: input.slice(i, i + 1000).map((value) => ({ key: value, value })) });
  await seeder.disconnect();

  const first = await startLoop(kafka);
  await waitUntil(() => first.moved >= CRASH_AFTER, 60_000, `${CRASH_AFTER} records moved`);
  await broker.kill();
  await first.stop();

  broker = await startBroker();
  kafka = kafkaOf(broker);
  const second = await startLoop(kafka);
  try {
    await waitUntil(async () => (await committedTotal(kafka)) === COUNT, 90_000, "the group's offsets to reach the input's end");
  } finally {
    await second.stop();
  }
  expect(first.moved).toBeGreaterThanOrEqual(CRASH_AFTER);
  expect(first.moved).toBeLessThan(COUNT);

  const output = await readOutput(kafka, COUNT);
  const counts = new Map<string, number>();
  for (const v of output) counts.set(v, (counts.get(v) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  const missing = input.filter((v) => !counts.has(`out:${v}`));
  expect({ duplicated: duplicated.slice(0, 5), missing: missing.slice(0, 5), total: output.length }).toEqual({ duplicated: [], missing: [], total: COUNT });
  expect(await committedTotal(kafka)).toBe(COUNT);
}, 240_000);
