// KIP-932 share groups at protocol level, with hand-built ShareGroupHeartbeat / ShareFetch /
// ShareAcknowledge / ShareGroupDescribe requests (no client installed here speaks KIP-932: KafkaJS,
// @platformatic/kafka 1.x, librdkafka 2.0 and kafka-python have no share consumer). Two members on
// one partition get disjoint records; an unacknowledged record comes back after its lock times
// out with a higher delivery count; REJECT archives; RELEASE makes a record available at once;
// the delivery count limit archives; share sessions; and the state survives a broker restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { ShareErrorCode } from "../../src/coordinator/share-group-coordinator.ts";
import { RecordState } from "../../src/coordinator/share-partition.ts";
import { eventually } from "../clients/support/wait.ts";
import { RawClient } from "../support/raw-client.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { produceAll } from "../clients/support/platformatic.ts";
import { ListGroups, ShareAcknowledge, ShareFetch, ShareGroupDescribe, ShareGroupHeartbeat } from "./messages.ts";
import { DeleteGroups } from "../handlers/admin-messages.ts";

const TOPIC = "share-queue";
const GROUP = "workers";
const LOCK_MS = 300;
const DELIVERY_LIMIT = 3;
const ACCEPT = 1;
const RELEASE = 2;
const REJECT = 3;

let broker: TestBroker;
let c: RawClient;
let topicId: string;

beforeAll(async () => {
  broker = await startTestBroker({ recordLockDurationMs: LOCK_MS, deliveryCountLimit: DELIVERY_LIMIT, groupShareSessionTimeoutMs: 30_000 });
  topicId = (await broker.running.broker.createTopic(TOPIC, 1)).topicId;
  // One record per batch, so any set of offsets can be returned.
  for (let i = 0; i < 10; i++) await produceAll(broker.bootstrap, TOPIC, [{ key: `k${i}`, value: `job-${i}`, headers: [] }]);
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c?.close();
  await broker?.dispose();
});

async function join(memberId: string): Promise<number> {
  const r = await c.request(ShareGroupHeartbeat.request, ShareGroupHeartbeat.response, 0, { groupId: GROUP, memberId, memberEpoch: 0, rackId: null, subscribedTopicNames: [TOPIC] });
  expect(r).toMatchObject({ errorCode: ErrorCode.NONE, memberId, assignment: { topicPartitions: [{ topicId, partitions: [0] }] } });
  return r.memberEpoch;
}

const sessions = new Map<string, number>();

/** One ShareFetch in the member's session, acknowledging `acks` ([first, last, type]); returns the acquired offsets with delivery counts. */
async function shareFetch(memberId: string, acks: [number, number, number][] = [], maxRecordsBytes = 1 << 20, maxWaitMs = 0) {
  const epoch = sessions.get(memberId) ?? 0;
  sessions.set(memberId, epoch + 1);
  const r = await c.request(ShareFetch.request, ShareFetch.response, 0, {
    groupId: GROUP,
    memberId,
    shareSessionEpoch: epoch,
    maxWaitMs,
    minBytes: 1,
    maxBytes: maxRecordsBytes,
    topics: [
      {
        topicId,
        partitions: [
          { partitionIndex: 0, partitionMaxBytes: maxRecordsBytes, acknowledgementBatches: acks.map(([f, l, t]) => ({ firstOffset: BigInt(f), lastOffset: BigInt(l), acknowledgeTypes: [t] })) },
        ],
      },
    ],
    forgottenTopicsData: [],
  });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  const p = r.responses[0].partitions[0];
  const acquired: [number, number][] = p.acquiredRecords.flatMap((a) =>
    Array.from({ length: Number(a.lastOffset - a.firstOffset) + 1 }, (_, i) => [Number(a.firstOffset) + i, a.deliveryCount] as [number, number]),
  );
  return { acquired, acknowledgeErrorCode: p.acknowledgeErrorCode, records: p.records };
}

const offsets = (acquired: [number, number][]) => acquired.map(([o]) => o);

/** Waits (bounded) until the records' locks have run out, by fetching until `offset` comes back. */
async function fetchUntilRedelivered(memberId: string, offset: number): Promise<[number, number][]> {
  const deadline = Date.now() + 10 * LOCK_MS + 5_000;
  for (;;) {
    const { acquired } = await shareFetch(memberId);
    if (offsets(acquired).includes(offset)) return acquired;
    if (Date.now() > deadline) throw new Error(`offset ${offset} was not redelivered`);
    await new Promise((resolve) => setTimeout(resolve, LOCK_MS / 3));
  }
}

describe("share groups (KIP-932), hand-built requests", () => {
  it("hands two members on one partition disjoint records; acknowledgements settle them", async () => {
    expect(await join("m1")).toBe(1);
    expect(await join("m2")).toBe(2);
    const first = await shareFetch("m1", [], 400);
    const second = await shareFetch("m2");
    expect(first.acquired.length).toBeGreaterThanOrEqual(3);
    expect(first.acquired.length).toBeLessThan(10);
    expect(first.records).not.toBeNull();
    const all = [...offsets(first.acquired), ...offsets(second.acquired)].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(all).size).toBe(10);
    expect([...first.acquired, ...second.acquired].every(([, count]) => count === 1)).toBe(true);

    // m1 accepts its first record, rejects the next, releases the third; m2 may not settle m1's records.
    const [a, b, r] = offsets(first.acquired);
    const theirs = await shareFetch("m2", [[a, a, ACCEPT]]);
    expect(theirs.acknowledgeErrorCode).toBe(ShareErrorCode.INVALID_RECORD_STATE);
    const settled = await shareFetch("m1", [[a, a, ACCEPT], [b, b, REJECT], [r, r, RELEASE]]);
    expect(settled.acknowledgeErrorCode).toBe(ErrorCode.NONE);
    // The released record is available at once (delivery 2); the rejected one never comes back.
    expect(settled.acquired).toEqual([[r, 2]]);
  });

  it("redelivers a record whose lock ran out with a higher delivery count, and archives it at the limit", async () => {
    // Nobody acknowledges: every held record comes back after LOCK_MS.
    const again = await fetchUntilRedelivered("m2", 9);
    expect(again.find(([o]) => o === 9)![1]).toBe(2);
    const third = await fetchUntilRedelivered("m2", 9);
    expect(third.find(([o]) => o === 9)![1]).toBe(DELIVERY_LIMIT);
    // Delivered DELIVERY_LIMIT times: when this lock runs out it is archived, not redelivered.
    const state = () => broker.running.broker.shareGroups.sharePartition(GROUP, topicId, 0, 0n)!.snapshot();
    await eventually(() => expect(state().records.find((r) => r.offset === 9n)?.state ?? RecordState.ARCHIVED).toBe(RecordState.ARCHIVED), 5_000, "offset 9 archived");
    const after = await shareFetch("m2");
    expect(offsets(after.acquired)).not.toContain(9);
  });

  it("checks share session epochs", async () => {
    const table: [string, number, number][] = [
      ["a skipped epoch", 99, ShareErrorCode.INVALID_SHARE_SESSION_EPOCH],
      ["an unknown member", 0, ErrorCode.UNKNOWN_MEMBER_ID],
    ];
    for (const [what, epoch, error] of table) {
      const r = await c.request(ShareFetch.request, ShareFetch.response, 0, {
        groupId: GROUP,
        memberId: what === "an unknown member" ? "stranger" : "m1",
        shareSessionEpoch: epoch,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1024,
        topics: [],
        forgottenTopicsData: [],
      });
      expect([what, r.errorCode]).toEqual([what, error]);
    }
    const ack = await c.request(ShareAcknowledge.request, ShareAcknowledge.response, 0, { groupId: GROUP, memberId: "m1", shareSessionEpoch: 0, topics: [] });
    expect(ack.errorCode).toBe(ShareErrorCode.INVALID_SHARE_SESSION_EPOCH);
  });

  it("describes and lists the group", async () => {
    const r = await c.request(ShareGroupDescribe.request, ShareGroupDescribe.response, 0, { groupIds: [GROUP, "none"], includeAuthorizedOperations: false });
    expect(r.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: "Stable", assignorName: "simple" });
    expect(r.groups[0].members.map((m) => m.memberId).sort()).toEqual(["m1", "m2"]);
    expect(r.groups[1].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const listed = await c.request(ListGroups.request, ListGroups.response, 5, { typesFilter: ["share"], statesFilter: [] });
    expect(listed.groups).toEqual([{ groupId: GROUP, protocolType: "share", groupState: "Stable", groupType: "share" }]);
  });

  it("keeps acknowledged and archived records settled across a broker restart", async () => {
    // Settle everything m1 and m2 hold now, except what they keep locked.
    const m1 = await shareFetch("m1");
    for (const [o] of m1.acquired) await shareFetch("m1", [[o, o, ACCEPT]]);
    const before = broker.running.broker.shareGroups.describe(GROUP);
    expect(before?.members.length).toBe(2);
    c.close();
    await broker.restart();
    c = await RawClient.connect(broker.port);
    sessions.clear();
    // Membership is not kept: the members rejoin; the share partition's state is.
    await join("m1");
    const { acquired } = await shareFetch("m1");
    const accepted = new Set(offsets(m1.acquired));
    for (const [o, count] of acquired) {
      expect(accepted.has(o)).toBe(false);
      expect(o).not.toBe(9);
      expect(count).toBeGreaterThan(1);
    }
  });

  it("deletes an empty share group with its state", async () => {
    const left = await c.request(ShareGroupHeartbeat.request, ShareGroupHeartbeat.response, 0, { groupId: GROUP, memberId: "m1", memberEpoch: -1, rackId: null, subscribedTopicNames: null });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    const r = await c.request(DeleteGroups.request, DeleteGroups.response, 2, { groupsNames: [GROUP] });
    expect(r.results).toEqual([{ groupId: GROUP, errorCode: ErrorCode.NONE }]);
    // A new group starts from the log start again.
    await join("m9");
    const { acquired } = await shareFetch("m9");
    expect(acquired[0]).toEqual([0, 1]);
  });

  it("waits up to max_wait_ms for a record to acquire, and answers when one is produced", async () => {
    // m9 holds every record: this fetch has nothing to acquire until the next one is produced.
    const waiting = shareFetch("m9", [], 1 << 20, 10_000);
    await produceAll(broker.bootstrap, TOPIC, [{ key: "late", value: "job-late", headers: [] }]);
    const { acquired } = await waiting;
    expect(acquired).toEqual([[10, 1]]);
  });
});
