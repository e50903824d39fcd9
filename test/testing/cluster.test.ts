// startCluster({ brokers: 3 }): leaders spread over the brokers, the wrong broker answering
// NOT_LEADER_OR_FOLLOWER / NOT_COORDINATOR, a leader moved under a running KafkaJS idempotent producer
// and consumer group (nothing lost, nothing duplicated), and brokers stopped and restarted.
import { Kafka, logLevel, type Producer } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type TestCluster } from "../../src/testing/index.ts";
import { RawClient } from "../support/raw-client.ts";
import { Fetch, FindCoordinator, Heartbeat, Produce } from "../support/messages.ts";
import { fetchBody, produceBody, recordBatch } from "../support/requests.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
});
afterEach(async () => {
  await cluster.reset();
});
afterAll(async () => {
  await cluster?.close();
});

const kafka = () =>
  new Kafka({ clientId: "cluster", brokers: cluster.bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });

/** Resolves once `condition` holds (checked every 10 ms); rejects after `timeoutMs` naming `what`. */
async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("an in-process cluster of three", () => {
  it("lists every broker and spreads partition leaders over them, as every broker answers alike", async () => {
    await cluster.createTopics({ topic: "spread", partitions: 12 });
    const admin = kafka().admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      expect(brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      const [topic] = (await admin.fetchTopicMetadata({ topics: ["spread"] })).topics;
      const leaders = topic.partitions.map((p) => [p.partitionId, p.leader]).sort((a, b) => a[0] - b[0]);
      expect(leaders).toEqual([...Array(12).keys()].map((p) => [p, cluster.leaderOf("spread", p)]));
      expect(new Set(leaders.map(([, leader]) => leader)).size).toBe(3);
    } finally {
      await admin.disconnect();
    }
  });

  it("answers NOT_LEADER_OR_FOLLOWER on a broker that does not lead the partition, and NOT_COORDINATOR for another's group", async () => {
    await cluster.createTopics("owned");
    const leader = cluster.leaderOf("owned", 0);
    const other = cluster.liveBrokers.find((id) => id !== leader)!;
    for (const [nodeId, expected] of [[leader, ErrorCode.NONE], [other, ErrorCode.NOT_LEADER_OR_FOLLOWER]]) {
      const client = await RawClient.connect(cluster.broker(nodeId).port);
      try {
        const produced = await client.request(Produce.request, Produce.response, 9, produceBody("owned", [{ index: 0, records: recordBatch(["x"]) }]));
        expect(produced.responses[0].partitionResponses[0].errorCode).toBe(expected);
        const fetched = await client.request(Fetch.request, Fetch.response, 12, fetchBody("owned", [[0, 0n]], 1 << 20));
        expect(fetched.responses[0].partitions[0].errorCode).toBe(expected);
      } finally {
        client.close();
      }
    }
    expect((await cluster.readRecords("owned")).map((r) => r.value?.toString())).toEqual(["x"]);

    const coordinator = cluster.coordinatorOf("owners");
    const client = await RawClient.connect(cluster.broker(cluster.liveBrokers.find((id) => id !== coordinator)!).port);
    try {
      const found = await client.request(FindCoordinator.request, FindCoordinator.response, 3, { key: "owners", keyType: 0 });
      expect(found).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: coordinator, port: cluster.broker(coordinator).port });
      const beat = await client.request(Heartbeat.request, Heartbeat.response, 3, { groupId: "owners", generationId: 1, memberId: "m", groupInstanceId: null });
      expect(beat.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    } finally {
      client.close();
    }
  });

  it("moves a leader under a running idempotent producer and consumer group: every record once, in order", async () => {
    const topic = "moving";
    const PARTITIONS = 3;
    const COUNT = 600;
    await cluster.createTopics({ topic, partitions: PARTITIONS });
    const client = kafka();
    const producer: Producer = client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    const consumer = client.consumer({ groupId: "movers", maxWaitTimeInMs: 100 });
    // By partition, each offset once in the order first delivered: a rebalance (a heartbeat late on a
    // loaded machine) may deliver again from the last auto-commit, which at-least-once consumption allows.
    const received = new Map<number, Map<bigint, string>>();
    let receivedCount = 0;
    // What the clients were told: each move has to show as NOT_LEADER_OR_FOLLOWER to the producer and the consumer.
    const notLeader = { Produce: 0, Fetch: 0 };
    for (const nodeId of cluster.liveBrokers) {
      cluster.broker(nodeId).broker.requestObservers.add({
        requestCompleted({ handler, response }) {
          if (handler.name !== "Produce" && handler.name !== "Fetch") return;
          const topics = (response as any)?.responses ?? [];
          for (const t of topics) for (const p of t.partitionResponses ?? t.partitions) if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) notLeader[handler.name as "Produce" | "Fetch"]++;
        },
      });
    }
    await producer.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const seen = received.get(partition) ?? new Map<bigint, string>();
          received.set(partition, seen);
          if (seen.has(BigInt(message.offset))) return;
          seen.set(BigInt(message.offset), message.value!.toString());
          receivedCount++;
        },
      });
      await cluster.waitForGroup("movers", { members: 1 });
      const moved = new Set<number>();
      for (let i = 0; i < COUNT; i += 20) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, j) => ({ key: `k${(i + j) % 7}`, value: `m${i + j}` })) });
        // Mid-stream, every partition's leader moves to the next broker (each move a NOT_LEADER_OR_FOLLOWER for both clients).
        if (i === COUNT / 3 || i === (2 * COUNT) / 3) {
          for (let p = 0; p < PARTITIONS; p++) {
            const from = cluster.leaderOf(topic, p);
            cluster.moveLeader(topic, p, (from % 3) + 1);
            moved.add(p);
          }
        }
      }
      expect(moved.size).toBe(PARTITIONS);
      expect(notLeader.Produce).toBeGreaterThan(0);
      await until(() => receivedCount >= COUNT, `${COUNT} messages (got ${receivedCount})`);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
    // The log holds each record once, at contiguous offsets; the consumer saw exactly that.
    const stored = await cluster.readRecords(topic);
    expect(stored.map((r) => r.value?.toString()).sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `m${i}`).sort());
    for (let p = 0; p < PARTITIONS; p++) {
      const inLog = stored.filter((r) => r.partition === p).map((r) => ({ offset: r.offset, value: r.value!.toString() }));
      expect(inLog.map((r) => r.offset)).toEqual(inLog.map((_, i) => BigInt(i)));
      expect([...(received.get(p) ?? [])].map(([offset, value]) => ({ offset, value }))).toEqual(inLog);
    }
    expect(receivedCount).toBe(COUNT);
    expect(notLeader.Fetch).toBeGreaterThan(0);
  }, 60_000);

  it("keeps serving when a broker stops (its partitions move to the others), and takes it back on restart", async () => {
    await cluster.createTopics({ topic: "survivors", partitions: 6 });
    const victim = cluster.leaderOf("survivors", 0);
    const producer = kafka().producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: "survivors", messages: [{ value: "before", partition: 0 }] });
      await cluster.stopBroker(victim);
      expect(cluster.liveBrokers).not.toContain(victim);
      expect(cluster.leaderOf("survivors", 0)).not.toBe(victim);
      await producer.send({ topic: "survivors", messages: [{ value: "during", partition: 0 }] });
      await cluster.restartBroker(victim);
      expect(cluster.liveBrokers).toContain(victim);
      await producer.send({ topic: "survivors", messages: [{ value: "after", partition: 0 }] });
    } finally {
      await producer.disconnect();
    }
    expect((await cluster.readRecords("survivors", { partition: 0 })).map((r) => r.value?.toString())).toEqual(["before", "during", "after"]);
  }, 30_000);
});
