// KIP-848 consumer groups with a real client: @platformatic/kafka with groupProtocol "consumer"
// (ConsumerGroupHeartbeat v1, OffsetCommit/OffsetFetch v9 with member epochs). Three members share
// six partitions with no overlap, one leaves and the others take its partitions, a new member
// joins; the members commit, the broker restarts on the same port, and the members carry on with
// their ids, epochs and partitions (nobody rejoins); a new member resumes at the committed offsets.
import { Consumer, type Message, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiLog, logApiVersions } from "../clients/support/api-log.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { keyedMessages, type SentMessage } from "../clients/support/messages.ts";
import { produceAll, type StringConsumer } from "../clients/support/platformatic.ts";
import { eventually } from "../clients/support/wait.ts";

const PARTITIONS = 6;
const TOPIC = "kip848-orders";
const GROUP = "kip848-billing";
const HEARTBEAT_INTERVAL_MS = 200;

let broker: TestBroker;
let apiLog: ApiLog;
const clients: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ groupConsumerHeartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, groupConsumerSessionTimeoutMs: 10_000 });
  apiLog = logApiVersions(broker.running.broker);
  await broker.running.broker.createTopic(TOPIC, PARTITIONS);
});
afterAll(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
  await broker?.dispose();
});

const base = () => ({ bootstrapBrokers: [broker.bootstrap], retries: 5, retryDelay: 100, timeout: 10_000 });

interface Member {
  consumer: StringConsumer;
  received: Message<string, string, string, string>[];
  close(): Promise<void>;
}

async function join(name: string): Promise<Member> {
  const consumer: StringConsumer = new Consumer({
    clientId: name,
    groupId: GROUP,
    groupProtocol: "consumer",
    deserializers: stringDeserializers,
    ...base(),
  });
  clients.push(consumer);
  const stream = await consumer.consume({
    topics: [TOPIC],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
    maxWaitTime: 100,
  });
  const received: Message<string, string, string, string>[] = [];
  stream.on("data", (m: Message<string, string, string, string>) => received.push(m));
  return {
    consumer,
    received,
    async close() {
      await stream.close();
      await consumer.close();
    },
  };
}

const send = (messages: SentMessage[]) => produceAll(broker.bootstrap, TOPIC, messages);

const partitionsOf = (m: Member) => (m.consumer.assignments ?? []).filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort();

/** Every partition owned by exactly one member, each with `sizes` partitions; the broker's view agrees. */
function assertShared(members: Member[], sizes: number[]): void {
  const owned = members.map(partitionsOf);
  expect(owned.map((p) => p.length).sort()).toEqual([...sizes].sort());
  expect(owned.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  const group = broker.running.broker.consumerGroups.describe(GROUP)!;
  expect(group.state).toBe("Stable");
  expect(new Set(group.members.map((m) => m.memberId))).toEqual(new Set(members.map((m) => m.consumer.memberId)));
}

const sharedBy = (members: Member[], sizes: number[]) => () => assertShared(members, sizes);

const describeMembers = () =>
  broker.running.broker.consumerGroups
    .describe(GROUP)!
    .members.map((m) => ({ memberId: m.memberId, memberEpoch: m.memberEpoch, partitions: m.assignment.flatMap((a) => a.partitions).sort() }))
    .sort((a, b) => (a.memberId < b.memberId ? -1 : 1));

describe("@platformatic/kafka with groupProtocol: consumer (KIP-848)", () => {
  it("shares partitions without overlap as members come and go, and keeps the group across a broker restart", async () => {
    const sent = keyedMessages(600, TOPIC);
    await send(sent);

    const a = await join("member-a");
    const b = await join("member-b");
    const c = await join("member-c");
    await eventually(sharedBy([a, b, c], [2, 2, 2]), 20_000, "three members with two partitions each");
    expect(apiLog.max("ConsumerGroupHeartbeat")).toBe(1);

    await c.close();
    await eventually(sharedBy([a, b], [3, 3]), 20_000, "the two remaining members taking over the third one's partitions");

    const d = await join("member-d");
    await eventually(sharedBy([a, b, d], [2, 2, 2]), 20_000, "a new member getting two partitions");

    // Between them, the members have read everything (some of it twice, as partitions moved before any commit).
    const members = [a, b, d];
    await eventually(
      () => expect(new Set(members.concat(c).flatMap((m) => m.received.map((r) => `${r.partition}:${r.offset}`))).size).toBe(600),
      20_000,
      "all 600 messages read",
    );
    // Each member commits the end of what was read of its partitions, with its member epoch.
    const next = new Map<number, bigint>();
    for (const r of members.concat(c).flatMap((m) => m.received)) next.set(r.partition, r.offset + 1n > (next.get(r.partition) ?? 0n) ? r.offset + 1n : next.get(r.partition)!);
    for (const m of members) {
      await m.consumer.commit({ offsets: partitionsOf(m).map((partition) => ({ topic: TOPIC, partition, offset: next.get(partition) ?? 0n, leaderEpoch: 0 })) });
    }

    const before = describeMembers();
    await broker.restart({ samePort: true });
    const afterRestart = logApiVersions(broker.running.broker);
    // The group is read back from __consumer_offsets: the same members, epochs and partitions.
    expect(describeMembers()).toEqual(before);
    // The members reconnect and heartbeat on: after several heartbeat intervals nobody has rejoined.
    await eventually(
      () => {
        const group = broker.running.broker.consumerGroups.describe(GROUP)!;
        expect(group.state).toBe("Stable");
        expect(afterRestart.counts.get("ConsumerGroupHeartbeat") ?? 0).toBeGreaterThanOrEqual(6);
      },
      20_000,
      "the members heartbeating to the restarted broker",
    );
    expect(describeMembers()).toEqual(before);

    // New messages still reach the members that own their partitions.
    const more = keyedMessages(60, `${TOPIC}-after-restart`);
    await send(more);
    await eventually(
      () => expect(members.flatMap((m) => m.received).filter((r) => r.value.startsWith(`${TOPIC}-after-restart`)).length).toBe(60),
      20_000,
      "60 messages produced after the restart",
    );
    for (const m of members) await m.close();

    // A new member resumes at the committed offsets: it reads only what came after them.
    const e = await join("member-e");
    await eventually(() => expect(new Set(e.received.map((r) => r.value))).toEqual(new Set(more.map((m) => m.value))), 20_000, "the uncommitted tail");
    expect(e.received.every((r) => r.offset >= (next.get(r.partition) ?? 0n))).toBe(true);
    await e.close();
  }, 120_000);
});
