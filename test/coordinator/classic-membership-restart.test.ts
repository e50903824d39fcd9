// Classic group membership survives a broker restart: the group is written as Kafka's
// GroupMetadataValue when a rebalance completes and read back at start-up, so members carry on
// heartbeating in their generation instead of rejoining. Over the wire with hand-built requests,
// then with two @platformatic/kafka consumers across a restart on the same port (KafkaJS leaves
// and rejoins after any connection error, whatever the broker remembers).
import { Consumer, MessagesStreamModes, stringDeserializers } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { eventually } from "../clients/support/wait.ts";
import { logApiVersions } from "../clients/support/api-log.ts";
import { DescribeGroups, Heartbeat, JoinGroup, SyncGroup } from "./messages.ts";

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker({ groupInitialRebalanceDelayMs: 100 });
});
afterAll(async () => {
  await broker?.dispose();
});

describe("a classic group across a broker restart", () => {
  it("keeps its members, generation, leader and assignments", async () => {
    let c = await RawClient.connect(broker.port);
    const group = "restart-raw";
    const join = (memberId: string) =>
      c.request(JoinGroup.request, JoinGroup.response, 7, {
        groupId: group,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 10_000,
        memberId,
        groupInstanceId: "instance-1",
        protocolType: "consumer",
        protocols: [{ name: "range", metadata: new Uint8Array([7, 7]) }],
      });
    const joined = await join("");
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const synced = await c.request(SyncGroup.request, SyncGroup.response, 5, {
      groupId: group,
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: "instance-1",
      protocolType: "consumer",
      protocolName: "range",
      assignments: [{ memberId: joined.memberId, assignment: new Uint8Array([1, 2, 3]) }],
    });
    expect(synced.errorCode).toBe(ErrorCode.NONE);

    c.close();
    await broker.restart();
    c = await RawClient.connect(broker.port);
    try {
      const hb = await c.request(Heartbeat.request, Heartbeat.response, 4, { groupId: group, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: "instance-1" });
      expect(hb.errorCode).toBe(ErrorCode.NONE);
      const described = await c.request(DescribeGroups.request, DescribeGroups.response, 5, { groups: [group], includeAuthorizedOperations: false });
      expect(described.groups[0]).toMatchObject({ groupState: "Stable", protocolType: "consumer", protocolData: "range" });
      expect(described.groups[0].members.map((m) => [m.memberId, m.groupInstanceId, [...m.memberMetadata], [...m.memberAssignment]])).toEqual([
        [joined.memberId, "instance-1", [7, 7], [1, 2, 3]],
      ]);
      // A late SyncGroup of the same generation gets the stored assignment.
      const again = await c.request(SyncGroup.request, SyncGroup.response, 5, {
        groupId: group,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: "instance-1",
        protocolType: "consumer",
        protocolName: "range",
        assignments: [],
      });
      expect([...again.assignment]).toEqual([1, 2, 3]);
    } finally {
      c.close();
    }
  });

  it("lets @platformatic/kafka consumers carry on without rejoining", async () => {
    const topic = "restart-platformatic";
    await broker.running.broker.createTopic(topic, 4);
    const consumers = [0, 1].map(
      (i) =>
        new Consumer({
          clientId: `restart-${i}`,
          groupId: "restart-platformatic",
          deserializers: stringDeserializers,
          heartbeatInterval: 100,
          sessionTimeout: 10_000,
          bootstrapBrokers: [broker.bootstrap],
          retries: 10,
          retryDelay: 100,
        }),
    );
    try {
      for (const consumer of consumers) await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, maxWaitTime: 100 });
      const described = () => broker.running.broker.groupCoordinator.describeGroup("restart-platformatic");
      await eventually(() => expect(described()).toMatchObject({ state: "Stable", members: [{}, {}] }), 20_000, "a stable group of two");
      const before = described().members.map((m) => m.memberId).sort();

      await broker.restart({ samePort: true });
      const log = logApiVersions(broker.running.broker);
      await eventually(() => expect(log.counts.get("Heartbeat") ?? 0).toBeGreaterThanOrEqual(10), 20_000, "heartbeats to the restarted broker");
      expect(described().state).toBe("Stable");
      expect(described().members.map((m) => m.memberId).sort()).toEqual(before);
      expect(log.counts.get("JoinGroup") ?? 0).toBe(0);
    } finally {
      for (const consumer of consumers) await consumer.close(true);
    }
  }, 60_000);
});
