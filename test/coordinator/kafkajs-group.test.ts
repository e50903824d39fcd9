// Consumer groups with the real kafkajs client: three consumers share six partitions, the others
// take over when one leaves, and committed offsets carry a group across a broker restart.
import { type Consumer, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";

const PARTITIONS = 6;

let broker: TestBroker;

beforeAll(async () => {
  // A short initial delay: consumers starting together usually form one generation.
  broker = await startTestBroker({ groupInitialRebalanceDelayMs: 100 });
});
afterAll(async () => {
  await broker?.dispose();
});

const kafka = () => new Kafka({ clientId: "group-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });

async function createTopic(name: string): Promise<string> {
  await broker.running.broker.createTopic(name, PARTITIONS);
  return name;
}

/** Polls `condition` every 50 ms until it holds, failing with `what` after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Member {
  name: string;
  consumer: Consumer;
  /** The partitions of the member's latest SyncGroup assignment. */
  partitions: number[];
  /** partition → values it received. */
  received: Map<number, string[]>;
}

async function startMember(client: Kafka, name: string, groupId: string, topic: string): Promise<Member> {
  // Fast heartbeats: members learn of a rebalance on their next heartbeat.
  const consumer = client.consumer({ groupId, heartbeatInterval: 100, sessionTimeout: 10_000, rebalanceTimeout: 5_000, maxWaitTimeInMs: 100 });
  const member: Member = { name, consumer, partitions: [], received: new Map() };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.partitions = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (!member.received.has(partition)) member.received.set(partition, []);
      member.received.get(partition)!.push(message.value!.toString());
    },
  });
  return member;
}

/** Every partition owned by exactly one member, each member owning `perMember`. */
function sharedWithoutOverlap(members: Member[], perMember: number): boolean {
  const owned = members.flatMap((m) => m.partitions);
  return members.every((m) => m.partitions.length === perMember) && new Set(owned).size === PARTITIONS && owned.length === PARTITIONS;
}

const describeAssignments = (members: Member[]) => members.map((m) => `${m.name}: [${m.partitions}]`).join(", ");

async function produceOnePerPartition(client: Kafka, topic: string, label: string): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `${label}-${partition}` })) });
  } finally {
    await producer.disconnect();
  }
}

describe("kafkajs consumer group", () => {
  it("shares six partitions among three consumers without overlap, and two take over when one leaves", async () => {
    const topic = await createTopic("shared");
    const client = kafka();
    const members: Member[] = [];
    try {
      for (const name of ["a", "b", "c"]) members.push(await startMember(client, name, "sharers", topic));
      await until(() => sharedWithoutOverlap(members, 2), 20_000, () => `2 partitions each (${describeAssignments(members)})`);

      const [leaving, ...staying] = members;
      await leaving.consumer.disconnect();
      members.shift();
      // Well inside the 10 s session timeout: the LeaveGroup, not session expiry, hands the partitions over.
      await until(() => sharedWithoutOverlap(staying, 3), 5_000, () => `3 partitions each (${describeAssignments(staying)})`);

      // Messages produced now are read by whichever remaining member owns their partition.
      await produceOnePerPartition(client, topic, "after-leave");
      const readers = (partition: number) => staying.filter((m) => m.received.get(partition)?.includes(`after-leave-${partition}`));
      await until(
        () => Array.from({ length: PARTITIONS }, (_, p) => readers(p).length).every((n) => n >= 1),
        20_000,
        () => "every partition's message to be read",
      );
      for (let p = 0; p < PARTITIONS; p++) {
        expect(readers(p).map((m) => m.name)).toEqual(staying.filter((m) => m.partitions.includes(p)).map((m) => m.name));
      }
    } finally {
      await Promise.all(members.map((m) => m.consumer.disconnect()));
    }
  }, 60_000);

  it("resumes from the committed offsets after a broker restart", async () => {
    const topic = await createTopic("resumed");
    const groupId = "resumers";
    let client = kafka();
    await produceOnePerPartition(client, topic, "before");
    await produceOnePerPartition(client, topic, "before-again");

    const first = await startMember(client, "first", groupId, topic);
    const count = (m: Member) => [...m.received.values()].reduce((n, values) => n + values.length, 0);
    await until(() => count(first) === 2 * PARTITIONS, 20_000, () => `${2 * PARTITIONS} messages (got ${count(first)})`);
    // kafkajs commits what it has processed, at the latest when it leaves.
    await first.consumer.disconnect();
    const admin = client.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed.partitions.map((p) => p.offset)).toEqual(Array(PARTITIONS).fill("2"));
    } finally {
      await admin.disconnect();
    }

    await broker.restart();
    client = kafka();
    await produceOnePerPartition(client, topic, "after");
    const second = await startMember(client, "second", groupId, topic);
    try {
      await until(() => count(second) >= PARTITIONS, 20_000, () => `${PARTITIONS} messages after the restart (got ${count(second)})`);
    } finally {
      await second.consumer.disconnect();
    }
    // Nothing from before the restart is read again: each partition resumes at offset 2.
    expect([...second.received.entries()].sort(([a], [b]) => a - b)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => [p, [`after-${p}`]]));
  }, 60_000);
});
