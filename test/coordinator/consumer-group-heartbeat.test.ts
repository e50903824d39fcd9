// The KIP-848 member state machine over the wire, with hand-built ConsumerGroupHeartbeat requests
// (table-driven: each step is one heartbeat and what the broker must answer): member epochs, the
// target assignment, revocation before reassignment, fencing of stale and future epochs, static
// members, request validation; then OffsetCommit/OffsetFetch v9 with member epochs, a classic and
// a consumer group never sharing an id, ListGroups filters and ConsumerGroupDescribe.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import * as heartbeatReq from "../../src/protocol/generated/consumer-group-heartbeat-request.ts";
import * as heartbeatRes from "../../src/protocol/generated/consumer-group-heartbeat-response.ts";
import * as describeReq from "../../src/protocol/generated/consumer-group-describe-request.ts";
import * as describeRes from "../../src/protocol/generated/consumer-group-describe-response.ts";
import { apiPair } from "../support/api-pair.ts";
import { RawClient } from "../support/raw-client.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { JoinGroup, ListGroups, OffsetCommit, OffsetFetch } from "./messages.ts";

const ConsumerGroupHeartbeat = apiPair(
  heartbeatReq.CONSUMER_GROUP_HEARTBEAT_REQUEST,
  heartbeatReq.encodeConsumerGroupHeartbeatRequest,
  heartbeatRes.decodeConsumerGroupHeartbeatResponse,
);
const ConsumerGroupDescribe = apiPair(
  describeReq.CONSUMER_GROUP_DESCRIBE_REQUEST,
  describeReq.encodeConsumerGroupDescribeRequest,
  describeRes.decodeConsumerGroupDescribeResponse,
);

const TOPIC = "kip848-state";
const HEARTBEAT_INTERVAL_MS = 1234;

let broker: TestBroker;
let c: RawClient;
let topicId: string;

beforeAll(async () => {
  broker = await startTestBroker({ groupConsumerHeartbeatIntervalMs: HEARTBEAT_INTERVAL_MS });
  topicId = (await broker.running.broker.createTopic(TOPIC, 4)).topicId;
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c?.close();
  await broker?.dispose();
});

interface Beat {
  memberId: string;
  memberEpoch: number;
  /** Partitions of TOPIC the member says it owns; omitted = null (unchanged). */
  owned?: number[];
  instanceId?: string;
  topics?: string[] | null;
  regex?: string;
  rebalanceTimeoutMs?: number;
  serverAssignor?: string;
  version?: number;
}

function heartbeat(group: string, b: Beat) {
  const joining = b.memberEpoch === 0;
  return c.request(ConsumerGroupHeartbeat.request, ConsumerGroupHeartbeat.response, b.version ?? 1, {
    groupId: group,
    memberId: b.memberId,
    memberEpoch: b.memberEpoch,
    instanceId: b.instanceId ?? null,
    rackId: null,
    rebalanceTimeoutMs: b.rebalanceTimeoutMs ?? (joining ? 30_000 : -1),
    subscribedTopicNames: b.topics !== undefined ? b.topics : joining ? [TOPIC] : null,
    subscribedTopicRegex: b.regex ?? null,
    serverAssignor: b.serverAssignor ?? null,
    topicPartitions: b.owned !== undefined ? [{ topicId, partitions: b.owned }] : joining ? [] : null,
  });
}

interface Step extends Beat {
  step: string;
  error?: number;
  epoch?: number;
  /** The partitions the answer assigns; null = no assignment in the answer (unchanged). */
  assigned?: number[] | null;
}

async function run(group: string, steps: Step[]): Promise<void> {
  for (const s of steps) {
    const r = await heartbeat(group, s);
    const seen = {
      step: s.step,
      error: r.errorCode,
      ...(s.epoch !== undefined && { epoch: r.memberEpoch }),
      ...(s.assigned !== undefined && { assigned: r.assignment && r.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort() }),
    };
    expect(seen).toEqual({
      step: s.step,
      error: s.error ?? ErrorCode.NONE,
      ...(s.epoch !== undefined && { epoch: s.epoch }),
      ...(s.assigned !== undefined && { assigned: s.assigned }),
    });
    if (r.errorCode === ErrorCode.NONE) expect(r.heartbeatIntervalMs === HEARTBEAT_INTERVAL_MS || s.memberEpoch < 0).toBe(true);
  }
}

describe("ConsumerGroupHeartbeat: epochs, target assignment, revocation first", () => {
  it("moves partitions from one member to another only after the first has revoked them", async () => {
    await run("sm-group", [
      { step: "A joins: epoch 1 and every partition", memberId: "A", memberEpoch: 0, epoch: 1, assigned: [0, 1, 2, 3] },
      { step: "A heartbeats: nothing changes", memberId: "A", memberEpoch: 1, owned: [0, 1, 2, 3], epoch: 1, assigned: null },
      { step: "B joins: epoch 2, but its partitions are still A's", memberId: "B", memberEpoch: 0, epoch: 2, assigned: [] },
      { step: "A is asked to revoke two, staying at epoch 1", memberId: "A", memberEpoch: 1, owned: [0, 1, 2, 3], epoch: 1, assigned: [0, 1] },
      { step: "A still owns them: still asked", memberId: "A", memberEpoch: 1, owned: [0, 1, 2, 3], epoch: 1, assigned: [0, 1] },
      { step: "B waits while A has not revoked", memberId: "B", memberEpoch: 2, owned: [], epoch: 2, assigned: null },
      { step: "A reports them revoked: epoch 2", memberId: "A", memberEpoch: 1, owned: [0, 1], epoch: 2, assigned: null },
      { step: "B gets the released partitions", memberId: "B", memberEpoch: 2, owned: [], epoch: 2, assigned: [2, 3] },
      { step: "a future epoch is fenced", memberId: "A", memberEpoch: 7, owned: [0, 1], error: ErrorCode.FENCED_MEMBER_EPOCH },
      { step: "the previous epoch owning a subset is accepted (a lost answer)", memberId: "A", memberEpoch: 1, owned: [0], epoch: 2, assigned: [0, 1] },
      { step: "the previous epoch owning another's partition is fenced", memberId: "A", memberEpoch: 1, owned: [0, 3], error: ErrorCode.FENCED_MEMBER_EPOCH },
      { step: "an older epoch is fenced", memberId: "B", memberEpoch: 1, owned: [2, 3], error: ErrorCode.FENCED_MEMBER_EPOCH },
      { step: "an unknown member", memberId: "Z", memberEpoch: 2, owned: [], error: ErrorCode.UNKNOWN_MEMBER_ID },
      { step: "B leaves", memberId: "B", memberEpoch: -1, epoch: -1 },
      { step: "A takes B's partitions at the next epoch", memberId: "A", memberEpoch: 2, owned: [0, 1], epoch: 3, assigned: [0, 1, 2, 3] },
      { step: "B is gone", memberId: "B", memberEpoch: 2, owned: [], error: ErrorCode.UNKNOWN_MEMBER_ID },
      { step: "a rejoin with epoch 0 gets the whole assignment again", memberId: "A", memberEpoch: 0, epoch: 3, assigned: [0, 1, 2, 3] },
    ]);
  });

  it("v0: the broker makes up member ids", async () => {
    const r = await heartbeat("v0-group", { memberId: "", memberEpoch: 0, version: 0 });
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1 });
    expect(r.memberId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("subscribes by regex (v1), and the group epoch follows new matching topics", async () => {
    await run("regex-group", [
      { step: "R joins by regex", memberId: "R", memberEpoch: 0, topics: null, regex: "kip848-st.*", epoch: 1, assigned: [0, 1, 2, 3] },
    ]);
    await broker.running.broker.createTopic("kip848-stuff", 2);
    const r = await heartbeat("regex-group", { memberId: "R", memberEpoch: 1, owned: [0, 1, 2, 3] });
    expect(r.memberEpoch).toBe(2);
    expect(r.assignment?.topicPartitions.map((tp) => tp.partitions.length).sort()).toEqual([2, 4]);
  });
});

describe("static members", () => {
  it("an instance id is held until its member leaves for a while (-2); the next one takes over its partitions", async () => {
    await run("static-group", [
      { step: "S1 joins as instance i1", memberId: "S1", instanceId: "i1", memberEpoch: 0, epoch: 1, assigned: [0, 1, 2, 3] },
      { step: "S2 claims i1 while S1 holds it", memberId: "S2", instanceId: "i1", memberEpoch: 0, error: ErrorCode.UNRELEASED_INSTANCE_ID },
      { step: "S1 leaves for a while", memberId: "S1", instanceId: "i1", memberEpoch: -2, epoch: -2 },
      { step: "S2 takes over i1 with S1's epoch and partitions", memberId: "S2", instanceId: "i1", memberEpoch: 0, epoch: 1, assigned: [0, 1, 2, 3] },
      { step: "S1 is fenced by S2", memberId: "S1", instanceId: "i1", memberEpoch: 1, owned: [], error: ErrorCode.FENCED_INSTANCE_ID },
      { step: "S2 heartbeats at epoch 1", memberId: "S2", instanceId: "i1", memberEpoch: 1, owned: [0, 1, 2, 3], epoch: 1 },
    ]);
  });
});

describe("invalid heartbeats", () => {
  it("are refused with Kafka's error codes", async () => {
    await run("invalid-group", [
      { step: "v1 needs a member id", memberId: "", memberEpoch: 0, error: ErrorCode.INVALID_REQUEST },
      { step: "joining needs a rebalance timeout", memberId: "X", memberEpoch: 0, rebalanceTimeoutMs: -1, error: ErrorCode.INVALID_REQUEST },
      { step: "joining needs a subscription", memberId: "X", memberEpoch: 0, topics: null, error: ErrorCode.INVALID_REQUEST },
      { step: "joining owns nothing yet", memberId: "X", memberEpoch: 0, owned: [1], error: ErrorCode.INVALID_REQUEST },
      { step: "an assignor the broker does not have", memberId: "X", memberEpoch: 0, serverAssignor: "sticky", error: ErrorCode.UNSUPPORTED_ASSIGNOR },
      { step: "a regex that does not compile", memberId: "X", memberEpoch: 0, topics: null, regex: "(", error: ErrorCode.INVALID_REQUEST },
      { step: "leaving for a while needs an instance id", memberId: "X", memberEpoch: -2, error: ErrorCode.INVALID_REQUEST },
      { step: "no such epoch", memberId: "X", memberEpoch: -3, error: ErrorCode.INVALID_REQUEST },
      { step: "the range assignor is there", memberId: "X", memberEpoch: 0, serverAssignor: "range", epoch: 1, assigned: [0, 1, 2, 3] },
    ]);
  });
});

describe("offsets with member epochs (OffsetCommit / OffsetFetch v9)", () => {
  const commit = (version: number, memberId: string, memberEpoch: number) =>
    c.request(OffsetCommit.request, OffsetCommit.response, version, {
      groupId: "sm-group",
      generationIdOrMemberEpoch: memberEpoch,
      memberId,
      groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 42n, committedMetadata: "" }] }],
    });
  const fetchAs = (memberId: string | null, memberEpoch: number) =>
    c.request(OffsetFetch.request, OffsetFetch.response, 9, {
      groups: [{ groupId: "sm-group", memberId, memberEpoch, topics: [{ name: TOPIC, partitionIndexes: [0] }] }],
      requireStable: false,
    });

  it("accepts the member's current epoch only", async () => {
    const table: [number, string, number, number][] = [
      [9, "A", 3, ErrorCode.NONE],
      [9, "A", 2, ErrorCode.STALE_MEMBER_EPOCH],
      [9, "nobody", 3, ErrorCode.UNKNOWN_MEMBER_ID],
      [8, "A", 3, ErrorCode.UNSUPPORTED_VERSION],
      [9, "", -1, ErrorCode.UNKNOWN_MEMBER_ID],
    ];
    for (const [version, memberId, epoch, error] of table) {
      const r = await commit(version, memberId, epoch);
      expect([version, memberId, epoch, r.topics[0].partitions[0].errorCode]).toEqual([version, memberId, epoch, error]);
    }
    const fetched = await fetchAs("A", 3);
    expect(fetched.groups![0]).toMatchObject({ errorCode: ErrorCode.NONE, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 42n }] }] });
    expect((await fetchAs("A", 2)).groups![0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await fetchAs(null, -1)).groups![0].errorCode).toBe(ErrorCode.NONE);
  });
});

describe("classic and consumer groups", () => {
  const joinClassic = (groupId: string) =>
    c.request(JoinGroup.request, JoinGroup.response, 9, {
      groupId,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: "",
      groupInstanceId: null,
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: new Uint8Array(0) }],
      reason: null,
    });

  it("never share a group id", async () => {
    expect((await joinClassic("sm-group")).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const classic = await joinClassic("classic-only");
    expect(classic.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await joinClassic("classic-only")).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    // A classic group with a pending member is not a consumer group's to take.
    expect((await heartbeat("classic-only", { memberId: "K", memberEpoch: 0 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it("ListGroups filters by type and state; ConsumerGroupDescribe describes consumer groups only", async () => {
    const list = (typesFilter: string[], statesFilter: string[]) =>
      c.request(ListGroups.request, ListGroups.response, 5, { typesFilter, statesFilter }).then((r) => r.groups.map((g) => g.groupId).sort());
    expect(await list(["consumer"], [])).toEqual(["invalid-group", "regex-group", "sm-group", "static-group", "v0-group"]);
    expect(await list(["Consumer"], ["stable"])).toContain("sm-group");
    expect(await list(["classic"], [])).not.toContain("sm-group");
    const listed = await c.request(ListGroups.request, ListGroups.response, 5, { typesFilter: [], statesFilter: [] });
    expect(listed.groups).toContainEqual({ groupId: "sm-group", protocolType: "consumer", groupState: "Stable", groupType: "consumer" });

    const r = await c.request(ConsumerGroupDescribe.request, ConsumerGroupDescribe.response, 0, { groupIds: ["sm-group", "nope"], includeAuthorizedOperations: true });
    expect(r.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: "Stable", groupEpoch: 3, assignmentEpoch: 3, assignorName: "uniform", authorizedOperations: 0b1_0100_1000 });
    expect(r.groups[0].members).toEqual([
      expect.objectContaining({
        memberId: "A",
        memberEpoch: 3,
        clientId: "raw-client",
        subscribedTopicNames: [TOPIC],
        assignment: { topicPartitions: [{ topicId, topicName: TOPIC, partitions: [0, 1, 2, 3] }] },
        targetAssignment: { topicPartitions: [{ topicId, topicName: TOPIC, partitions: [0, 1, 2, 3] }] },
      }),
    ]);
    expect(r.groups[1].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
