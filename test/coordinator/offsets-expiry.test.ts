// offsets.retention.minutes: committed offsets of a group without members expire (tombstones in
// __consumer_offsets, so they stay gone after a restart); a group with members keeps its offsets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { JoinGroup, LeaveGroup, OffsetCommit, OffsetFetch, SyncGroup } from "./messages.ts";

const TOPIC = "orders";
const RETENTION_MINUTES = 1;
const codec = await loadCodec("js");

let broker: TestBroker;
let client: RawClient;

beforeAll(async () => {
  broker = await startTestBroker({ offsetsRetentionMinutes: RETENTION_MINUTES });
  await broker.running.broker.createTopic(TOPIC, 1);
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.dispose();
});

async function commit(groupId: string, generation: number, memberId: string, offset: bigint): Promise<void> {
  const r = await client.request(OffsetCommit.request, OffsetCommit.response, 9, {
    groupId, generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: "" }] }],
  });
  expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
}

async function committed(groupId: string): Promise<bigint> {
  const r = await client.request(OffsetFetch.request, OffsetFetch.response, 7, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: false });
  return r.topics![0].partitions![0].committedOffset!;
}

/** Joins `groupId` as its only member (a non-consumer protocol, so no subscription decides) and syncs; returns the member id. */
async function joinAlone(groupId: string): Promise<string> {
  const joined = await client.request(JoinGroup.request, JoinGroup.response, 3, {
    groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: "", protocolType: "connect",
    protocols: [{ name: "default", metadata: new Uint8Array([1]) }],
  });
  expect(joined.errorCode).toBe(ErrorCode.NONE);
  const synced = await client.request(SyncGroup.request, SyncGroup.response, 3, {
    groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null,
    assignments: [{ memberId: joined.memberId, assignment: new Uint8Array([0]) }],
  });
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  return joined.memberId;
}

describe("offsets.retention.minutes", () => {
  it("expires the offsets of empty and standalone groups with tombstones, and keeps those of a group with members", async () => {
    const coordinator = broker.running.broker.groupCoordinator;
    await commit("standalone", -1, "", 11n);
    const leaver = await joinAlone("emptied");
    await commit("emptied", 1, leaver, 22n);
    const left = await client.request(LeaveGroup.request, LeaveGroup.response, 3, { groupId: "emptied", members: [{ memberId: leaver, groupInstanceId: null }] });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    const member = await joinAlone("active");
    await commit("active", 1, member, 33n);

    const retentionMs = RETENTION_MINUTES * 60_000;
    expect(await coordinator.cleanupGroupMetadata(Date.now() + retentionMs - 5_000)).toBe(0);
    expect(await committed("standalone")).toBe(11n);
    expect(await coordinator.cleanupGroupMetadata(Date.now() + retentionMs + 1_000)).toBe(2);
    expect([await committed("standalone"), await committed("emptied"), await committed("active")]).toEqual([-1n, -1n, 33n]);

    // The expiry is tombstones in __consumer_offsets: the last batch holds one per expired offset.
    const offsetsLog = (await broker.running.broker.storage.getLog("__consumer_offsets", 0))!;
    const batches = [...(offsetsLog.batches() as Iterable<Uint8Array>)];
    const tombstones = batches.flatMap((b) => codec.decodeRecordBatch(b).records).filter((r) => r.value === null);
    // Key versions 0-1 are offsets; the emptied group, now with nothing left, loses its group metadata (key version 2) too.
    const keyVersion = (key: Uint8Array | null) => (key ? new DataView(key.buffer, key.byteOffset).getInt16(0) : -1);
    expect(tombstones.map((t) => keyVersion(t.key)).sort()).toEqual([1, 1, 2]);

    await broker.restart();
    client.close();
    client = await RawClient.connect(broker.port);
    expect([await committed("standalone"), await committed("emptied"), await committed("active")]).toEqual([-1n, -1n, 33n]);
  });
});
