// The classic group membership state machine, driven directly with fake timers: every wait is on
// the coordinator's own promises, and time only moves when a test says so.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GroupCoordinator, JoinGroupResult } from "../../src/coordinator/group-coordinator.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { GROUP, bytes, coordinator, joinParams, settled, text } from "./support.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Member {
  memberId: string;
  generationId: number;
}

/** Members join together and the leader assigns "assignment-<clientId>" to each; returns them in join order. */
async function stableGroup(c: GroupCoordinator, clientIds: string[]): Promise<Member[]> {
  const joins = clientIds.map((clientId) => c.joinGroup(joinParams({ clientId })));
  await passInitialDelay();
  const joined = await Promise.all(joins);
  return syncAll(c, joined);
}

async function syncAll(c: GroupCoordinator, joined: JoinGroupResult[]): Promise<Member[]> {
  for (const j of joined) expect(j.errorCode).toBe(ErrorCode.NONE);
  const leader = joined.find((j) => j.memberId === j.leader)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: bytes(`assignment-${m.memberId.split("-")[0]}`) }));
  const syncs = joined.map((j) =>
    c.syncGroup({
      groupId: GROUP,
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: j.memberId === leader.memberId ? assignments : [],
    }),
  );
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE);
  return joined.map((j) => ({ memberId: j.memberId, generationId: j.generationId }));
}

/** A 0 ms timer runs after 1 ms, and the initial delay runs twice when several members arrive together. */
const passInitialDelay = () => vi.advanceTimersByTimeAsync(10);

const hb = (c: GroupCoordinator, m: Member) => c.heartbeat(GROUP, m.generationId, m.memberId, null);

describe("JoinGroup", () => {
  it("hands a new member its id with MEMBER_ID_REQUIRED (v4+), then admits it under that id", async () => {
    const c = coordinator();
    const first = await c.joinGroup(joinParams({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-[0-9a-f-]{36}$/);

    const join = c.joinGroup(joinParams({ memberId: first.memberId, requireKnownMemberId: true }));
    await passInitialDelay();
    const joined = await join;
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, memberId: first.memberId, leader: first.memberId, protocolName: "range" });
    expect(joined.members.map((m) => [m.memberId, text(m.metadata)])).toEqual([[first.memberId, "range-metadata"]]);
    c.close();
  });

  it("rejects an unknown member id, an empty group id, and a session timeout outside the broker's bounds", async () => {
    const c = coordinator();
    expect((await c.joinGroup(joinParams({ memberId: "nobody" }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.joinGroup(joinParams({ groupId: "" }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await c.joinGroup(joinParams({ sessionTimeoutMs: 1 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(c.listGroups()).toEqual([]);
    c.close();
  });

  it("waits group.initial.rebalance.delay.ms for more members before the first generation", async () => {
    const c = coordinator(1000);
    const a = settled(c.joinGroup(joinParams({ clientId: "a" })));
    await vi.advanceTimersByTimeAsync(600);
    const b = settled(c.joinGroup(joinParams({ clientId: "b" })));
    await vi.advanceTimersByTimeAsync(399);
    expect(a.done).toBe(false);
    // A member arrived during the delay, so it is extended once more (bounded by the rebalance timeout).
    await vi.advanceTimersByTimeAsync(1);
    expect(a.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.done && b.done).toBe(true);
    expect(a.value!.generationId).toBe(1);
    expect(b.value!.generationId).toBe(1);
    // The first to join leads, and only the leader is told the members.
    expect(a.value!.leader).toBe(a.value!.memberId);
    expect(b.value!.leader).toBe(a.value!.memberId);
    expect(a.value!.members.map((m) => m.memberId)).toEqual([a.value!.memberId, b.value!.memberId]);
    expect(b.value!.members).toEqual([]);
    c.close();
  });

  it("chooses the first protocol in the leader's preference that every member supports", async () => {
    const c = coordinator();
    const proto = (...names: string[]) => names.map((name) => ({ name, metadata: bytes(name) }));
    const leader = c.joinGroup(joinParams({ clientId: "a", protocols: proto("range", "roundrobin", "sticky") }));
    const follower = c.joinGroup(joinParams({ clientId: "b", protocols: proto("sticky", "roundrobin") }));
    expect((await c.joinGroup(joinParams({ clientId: "c", protocols: proto("cooperative") }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(joinParams({ clientId: "d", protocolType: "connect" }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    await passInitialDelay();
    const [l, f] = await Promise.all([leader, follower]);
    expect(l.protocolName).toBe("roundrobin");
    expect(f.protocolName).toBe("roundrobin");
    expect(l.members.map((m) => text(m.metadata))).toEqual(["roundrobin", "roundrobin"]);
    c.close();
  });
});

describe("SyncGroup", () => {
  it("holds the followers until the leader's SyncGroup, then gives each its assignment", async () => {
    const c = coordinator();
    const joins = [c.joinGroup(joinParams({ clientId: "a" })), c.joinGroup(joinParams({ clientId: "b" })), c.joinGroup(joinParams({ clientId: "c" }))];
    await passInitialDelay();
    const [a, b, cc] = await Promise.all(joins);
    const sync = (j: JoinGroupResult, assignments: { memberId: string; assignment: Uint8Array }[] = []) =>
      c.syncGroup({ groupId: GROUP, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments });
    const followerB = settled(sync(b));
    await passInitialDelay();
    expect(followerB.done).toBe(false);
    // The leader leaves c out: c gets an empty assignment.
    const leader = await sync(a, [
      { memberId: a.memberId, assignment: bytes("for-a") },
      { memberId: b.memberId, assignment: bytes("for-b") },
    ]);
    expect(text(leader.assignment)).toBe("for-a");
    await passInitialDelay();
    expect(followerB.value).toMatchObject({ errorCode: ErrorCode.NONE, protocolType: "consumer", protocolName: "range" });
    expect(text(followerB.value!.assignment)).toBe("for-b");
    // Once Stable, a late SyncGroup is answered at once with the stored assignment.
    expect((await sync(cc)).assignment).toEqual(new Uint8Array(0));
    expect(c.describeGroup(GROUP)).toMatchObject({ state: "Stable", protocolType: "consumer", protocol: "range" });
    c.close();
  });

  it("refuses a stale generation and an unknown member", async () => {
    const c = coordinator();
    const [a] = await stableGroup(c, ["a"]);
    const base = { groupId: GROUP, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] };
    expect((await c.syncGroup({ ...base, generationId: a.generationId - 1, memberId: a.memberId })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await c.syncGroup({ ...base, generationId: a.generationId, memberId: "stranger" })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.syncGroup({ ...base, groupId: "other", generationId: 1, memberId: a.memberId })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    c.close();
  });
});

describe("Heartbeat and rebalances", () => {
  it("answers NONE when stable, ILLEGAL_GENERATION for an old generation, UNKNOWN_MEMBER_ID for a stranger", async () => {
    const c = coordinator();
    const [a] = await stableGroup(c, ["a"]);
    expect(hb(c, a)).toBe(ErrorCode.NONE);
    expect(c.heartbeat(GROUP, a.generationId + 1, a.memberId, null)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(c.heartbeat(GROUP, a.generationId, "stranger", null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat("no-such-group", 1, a.memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    c.close();
  });

  it("tells members to rejoin when a new member arrives, and completes as soon as all known members rejoined", async () => {
    const c = coordinator();
    const [a, b] = await stableGroup(c, ["a", "b"]);
    const newcomer = settled(c.joinGroup(joinParams({ clientId: "n" })));
    expect(hb(c, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoinA = c.joinGroup(joinParams({ clientId: "a", memberId: a.memberId }));
    await passInitialDelay();
    expect(newcomer.done).toBe(false);
    const rejoinB = c.joinGroup(joinParams({ clientId: "b", memberId: b.memberId }));
    // No timer needed: the last known member's JoinGroup completes the rebalance.
    const [ra, rb] = await Promise.all([rejoinA, rejoinB]);
    await Promise.resolve();
    expect(newcomer.done).toBe(true);
    expect([ra.generationId, rb.generationId, newcomer.value!.generationId]).toEqual([2, 2, 2]);
    expect(ra.leader).toBe(a.memberId);
    expect(ra.members).toHaveLength(3);
    // The old generation's heartbeat is now stale.
    expect(hb(c, a)).toBe(ErrorCode.ILLEGAL_GENERATION);
    c.close();
  });

  it("drops a member that does not rejoin within the rebalance timeout, and moves leadership to one that did", async () => {
    const c = coordinator();
    const [a, b] = await stableGroup(c, ["a", "b"]);
    // b (a follower) rejoins with changed metadata; a, the leader, never does.
    const rejoinB = settled(c.joinGroup(joinParams({ clientId: "b", memberId: b.memberId, protocols: [{ name: "range", metadata: bytes("v2") }] })));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(rejoinB.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(rejoinB.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: b.memberId });
    expect(rejoinB.value!.members.map((m) => m.memberId)).toEqual([b.memberId]);
    expect(hb(c, a)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    c.close();
  });

  it("expires a member whose session times out without a heartbeat, and rebalances the rest", async () => {
    const c = coordinator();
    const [a, b] = await stableGroup(c, ["a", "b"]);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(hb(c, a)).toBe(ErrorCode.NONE);
    expect(c.describeGroup(GROUP).members).toHaveLength(2);
    // b's 10 s session runs out; a's, renewed at 6 s, does not.
    await vi.advanceTimersByTimeAsync(4_100);
    expect(c.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(hb(c, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(hb(c, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoined = await c.joinGroup(joinParams({ clientId: "a", memberId: a.memberId }));
    expect(rejoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: a.memberId });
    c.close();
  });

  it("removes members that never send SyncGroup within the rebalance timeout", async () => {
    const c = coordinator();
    const joins = [c.joinGroup(joinParams({ clientId: "a" })), c.joinGroup(joinParams({ clientId: "b" }))];
    await passInitialDelay();
    const [a, b] = await Promise.all(joins);
    const leaderSync = c.syncGroup({ groupId: GROUP, generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect((await leaderSync).errorCode).toBe(ErrorCode.NONE);
    await vi.advanceTimersByTimeAsync(5_000);
    // b never synced: it is gone and the group rebalances without it.
    expect(c.heartbeat(GROUP, 1, b.memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat(GROUP, 1, a.memberId, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    c.close();
  });
});

describe("LeaveGroup", () => {
  it("removes the member and rebalances the others; unknown members are reported one by one", async () => {
    const c = coordinator();
    const [a, b] = await stableGroup(c, ["a", "b"]);
    const result = c.leaveGroup(GROUP, [
      { memberId: a.memberId, groupInstanceId: null },
      { memberId: "stranger", groupInstanceId: null },
    ]);
    expect(result).toEqual({
      errorCode: ErrorCode.NONE,
      members: [
        { memberId: a.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE },
        { memberId: "stranger", groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    expect(hb(c, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await c.joinGroup(joinParams({ clientId: "b", memberId: b.memberId }));
    // The leader left: the member that rejoined leads generation 2.
    expect(rejoined).toMatchObject({ generationId: 2, leader: b.memberId });
    c.close();
  });

  it("forgets a group whose last member left and that has no committed offsets", async () => {
    const c = coordinator();
    const [a] = await stableGroup(c, ["a"]);
    c.leaveGroup(GROUP, [{ memberId: a.memberId, groupInstanceId: null }]);
    expect(c.listGroups()).toEqual([]);
    expect(c.describeGroup(GROUP)).toEqual({ groupId: GROUP, state: "Dead", protocolType: "", protocol: "", members: [] });
    c.close();
  });
});

describe("static membership", () => {
  it("lets a restarted static member take its place back without a rebalance, and fences the old member id", async () => {
    const c = coordinator();
    const static1 = joinParams({ clientId: "a", groupInstanceId: "instance-1" });
    const joins = [c.joinGroup(static1), c.joinGroup(joinParams({ clientId: "b" }))];
    await passInitialDelay();
    const [a, b] = await syncAll(c, await Promise.all(joins));
    expect(a.memberId).toMatch(/^instance-1-/);

    const back = await c.joinGroup({ ...static1, memberId: "" });
    expect(back).toMatchObject({ errorCode: ErrorCode.NONE, generationId: a.generationId });
    expect(back.memberId).not.toBe(a.memberId);
    // The leader id stays the old one, so the returning leader does not assign again (v9 also says skipAssignment).
    expect(back.leader).toBe(a.memberId);
    expect(back.skipAssignment).toBe(true);
    expect(back.members.map((m) => m.memberId).sort()).toEqual([back.memberId, b.memberId].sort());
    expect(hb(c, b)).toBe(ErrorCode.NONE);
    expect(c.heartbeat(GROUP, a.generationId, a.memberId, "instance-1")).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const sync = await c.syncGroup({ groupId: GROUP, generationId: back.generationId, memberId: back.memberId, groupInstanceId: "instance-1", protocolType: null, protocolName: null, assignments: [] });
    expect(text(sync.assignment)).toBe("assignment-instance");

    // An administrator removes it by instance id alone.
    expect(c.leaveGroup(GROUP, [{ memberId: "", groupInstanceId: "instance-1" }]).members[0].errorCode).toBe(ErrorCode.NONE);
    expect(hb(c, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    c.close();
  });
});

describe("ListGroups, DescribeGroups and close", () => {
  it("lists and describes the group with each member's metadata and assignment once stable", async () => {
    const c = coordinator();
    const [a] = await stableGroup(c, ["a"]);
    expect(c.listGroups()).toEqual([{ groupId: GROUP, protocolType: "consumer", state: "Stable" }]);
    const described = c.describeGroup(GROUP);
    expect(described.members).toHaveLength(1);
    expect(described.members[0]).toMatchObject({ memberId: a.memberId, clientId: "a", clientHost: "/127.0.0.1" });
    expect(text(described.members[0].metadata)).toBe("range-metadata");
    expect(text(described.members[0].assignment)).toBe("assignment-a");
    c.close();
  });

  it("answers pending JoinGroups with NOT_COORDINATOR and leaves no timer behind", async () => {
    const c = coordinator(3000);
    const pending = c.joinGroup(joinParams());
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    c.close();
    expect((await pending).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(vi.getTimerCount()).toBe(0);
    expect((await c.joinGroup(joinParams())).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});
