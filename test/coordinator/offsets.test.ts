// The group APIs over the wire against an in-process broker: FindCoordinator, a group formed with
// raw JoinGroup/SyncGroup, who may commit, and committed offsets surviving a broker restart.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { Metadata } from "../support/messages.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { DescribeGroups, FindCoordinator, Heartbeat, JoinGroup, LeaveGroup, ListGroups, OffsetCommit, OffsetFetch, SyncGroup } from "./messages.ts";

const TOPIC = "orders";

let broker: TestBroker;
const clients: RawClient[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  broker = await startTestBroker();
  await broker.running.broker.createTopic(TOPIC, 2);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await broker?.dispose();
});

describe("FindCoordinator", () => {
  it("names this broker for any group, in the single (v0–v3) and batched (v4+) forms", async () => {
    const c = await client();
    for (let v = 0; v <= 3; v++) {
      const r = await c.request(FindCoordinator.request, FindCoordinator.response, v, { key: "some-group", keyType: 0 });
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 1, host: "127.0.0.1", port: broker.port });
    }
    for (let v = 4; v <= 6; v++) {
      const r = await c.request(FindCoordinator.request, FindCoordinator.response, v, { keyType: 0, coordinatorKeys: ["a", "b"] });
      expect(r.coordinators).toEqual([
        { key: "a", nodeId: 1, host: "127.0.0.1", port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null },
        { key: "b", nodeId: 1, host: "127.0.0.1", port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null },
      ]);
    }
  });
});

const commitBody = (groupId: string, generationIdOrMemberEpoch: number, memberId: string, offsets: [string, number, bigint][]) => ({
  groupId,
  generationIdOrMemberEpoch,
  memberId,
  groupInstanceId: null,
  topics: [...new Set(offsets.map(([t]) => t))].map((name) => ({
    name,
    partitions: offsets
      .filter(([t]) => t === name)
      .map(([, partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedMetadata: `m${committedOffset}` })),
  })),
});

const errorsOf = (r: { topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }) =>
  r.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode]));

describe("a group formed over the wire", () => {
  it("admits a v4+ member after MEMBER_ID_REQUIRED, reports it, and only lets its current generation commit", async () => {
    const c = await client();
    const group = "wire-group";
    const joinBody = (memberId: string) => ({
      groupId: group,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: new Uint8Array([1, 2, 3]) }],
      reason: null,
    });
    const first = await c.request(JoinGroup.request, JoinGroup.response, 9, joinBody(""));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^raw-client-/);
    const joined = await c.request(JoinGroup.request, JoinGroup.response, 9, joinBody(first.memberId));
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolType: "consumer", protocolName: "range", leader: first.memberId, skipAssignment: false });
    const synced = await c.request(SyncGroup.request, SyncGroup.response, 5, {
      groupId: group,
      generationId: 1,
      memberId: first.memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [{ memberId: first.memberId, assignment: new Uint8Array([9]) }],
    });
    expect(synced).toMatchObject({ errorCode: ErrorCode.NONE, protocolType: "consumer", protocolName: "range" });
    expect([...synced.assignment]).toEqual([9]);
    const hb = await c.request(Heartbeat.request, Heartbeat.response, 4, { groupId: group, generationId: 1, memberId: first.memberId, groupInstanceId: null });
    expect(hb.errorCode).toBe(ErrorCode.NONE);

    const listed = await c.request(ListGroups.request, ListGroups.response, 5, { statesFilter: ["stable"], typesFilter: [] });
    expect(listed.groups).toContainEqual({ groupId: group, protocolType: "consumer", groupState: "Stable", groupType: "classic" });
    const described = await c.request(DescribeGroups.request, DescribeGroups.response, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(described.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    const [member] = described.groups[0].members;
    expect(member).toMatchObject({ memberId: first.memberId, clientId: "raw-client", clientHost: "/127.0.0.1" });
    expect([[...member.memberMetadata], [...member.memberAssignment]]).toEqual([[1, 2, 3], [9]]);

    const commit = (generation: number, memberId: string, offsets: [string, number, bigint][]) =>
      c.request(OffsetCommit.request, OffsetCommit.response, 9, commitBody(group, generation, memberId, offsets));
    expect(errorsOf(await commit(0, first.memberId, [[TOPIC, 0, 5n]]))).toEqual([[TOPIC, 0, ErrorCode.ILLEGAL_GENERATION]]);
    expect(errorsOf(await commit(-1, "", [[TOPIC, 0, 5n]]))).toEqual([[TOPIC, 0, ErrorCode.UNKNOWN_MEMBER_ID]]);
    expect(errorsOf(await commit(1, first.memberId, [[TOPIC, 0, 5n], [TOPIC, 7, 5n], ["no-such-topic", 0, 5n]]))).toEqual([
      [TOPIC, 0, ErrorCode.NONE],
      [TOPIC, 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["no-such-topic", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);

    const left = await c.request(LeaveGroup.request, LeaveGroup.response, 5, {
      groupId: group,
      members: [{ memberId: first.memberId, groupInstanceId: null, reason: null }],
    });
    expect(left).toMatchObject({ errorCode: ErrorCode.NONE, members: [{ memberId: first.memberId, errorCode: ErrorCode.NONE }] });
    // Its offsets keep the group, now Empty.
    const after = await c.request(ListGroups.request, ListGroups.response, 4, { statesFilter: [] });
    expect(after.groups).toContainEqual({ groupId: group, protocolType: "consumer", groupState: "Empty", groupType: "" });
  });

  it("refuses a commit with a generation to a group it does not know", async () => {
    const c = await client();
    const r = await c.request(OffsetCommit.request, OffsetCommit.response, 2, commitBody("never-joined", 3, "someone", [[TOPIC, 0, 1n]]));
    expect(errorsOf(r)).toEqual([[TOPIC, 0, ErrorCode.ILLEGAL_GENERATION]]);
  });
});

describe("committed offsets", () => {
  it("are stored at every OffsetCommit version, survive a restart, and read back at every OffsetFetch version", async () => {
    let c = await client();
    for (let v = 0; v <= 9; v++) {
      const r = await c.request(OffsetCommit.request, OffsetCommit.response, v, commitBody(`group-v${v}`, -1, "", [[TOPIC, 0, BigInt(100 + v)]]));
      expect(errorsOf(r), `OffsetCommit v${v}`).toEqual([[TOPIC, 0, ErrorCode.NONE]]);
    }
    // A second commit of the same partition wins over the first, after the restart too.
    await c.request(OffsetCommit.request, OffsetCommit.response, 9, commitBody("group-v9", -1, "", [[TOPIC, 0, 999n], [TOPIC, 1, 7n]]));
    expect(existsSync(join(broker.logDir, "__consumer_offsets-0"))).toBe(true);

    await broker.restart();
    c = await client();
    const metadata = await c.request(Metadata.request, Metadata.response, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(metadata.topics.map((t) => t.name)).toEqual([TOPIC]);

    for (let v = 0; v <= 7; v++) {
      const r = await c.request(OffsetFetch.request, OffsetFetch.response, v, {
        groupId: `group-v${v}`,
        topics: [{ name: TOPIC, partitionIndexes: [0, 1] }],
        requireStable: false,
      });
      expect(r.topics, `OffsetFetch v${v}`).toEqual([
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, committedOffset: BigInt(100 + v), committedLeaderEpoch: -1, metadata: `m${100 + v}`, errorCode: ErrorCode.NONE },
            { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.NONE },
          ],
        },
      ]);
    }
    for (const v of [8, 9]) {
      const r = await c.request(OffsetFetch.request, OffsetFetch.response, v, {
        groups: [
          { groupId: "group-v9", memberId: null, memberEpoch: -1, topics: null },
          { groupId: "group-v3", memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [0] }] },
        ],
        requireStable: true,
      });
      const offsets = r.groups!.map((g) => [g.groupId, g.errorCode, g.topics!.flatMap((t) => t.partitions!.map((p) => [t.name, p.partitionIndex, p.committedOffset]))]);
      expect(offsets, `OffsetFetch v${v}`).toEqual([
        ["group-v9", ErrorCode.NONE, [[TOPIC, 0, 999n], [TOPIC, 1, 7n]]],
        ["group-v3", ErrorCode.NONE, [[TOPIC, 0, 103n]]],
      ]);
    }
  });
});
