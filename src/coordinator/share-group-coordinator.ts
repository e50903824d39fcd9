/**
 * KIP-932 share groups: ShareGroupHeartbeat membership, the share partitions their members fetch
 * from together (ShareFetch acquires records under a lock, ShareAcknowledge settles them), share
 * sessions, and ShareGroupDescribe. Every member subscribed to a topic is assigned all its
 * partitions: records, not partitions, are what members share. Share-partition state is written to
 * `__share_group_state` and rebuilt at start-up; membership is not kept across a restart (members
 * rejoin, and records they held are available again).
 */
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { ClusterMetadata } from "../storage/cluster-metadata.ts";
import { SharePartition, type SharePartitionConfig } from "./share-partition.ts";
import { type SharePartitionKey, type ShareStateStore, keyText } from "./share-state-store.ts";
import { schedule } from "./timers.ts";

/** Kafka's error codes for share groups (Errors.java), newer than the generated list. */
export const ShareErrorCode = {
  INVALID_RECORD_STATE: 121,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
} as const;

export interface ShareGroupConfig extends SharePartitionConfig {
  /** group.share.heartbeat.interval.ms */
  groupShareHeartbeatIntervalMs: number;
  /** group.share.session.timeout.ms */
  groupShareSessionTimeoutMs: number;
}

interface ShareMember {
  memberId: string;
  memberEpoch: number;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  sessionTimer: NodeJS.Timeout | undefined;
}

class ShareGroup {
  groupEpoch = 0;
  readonly members = new Map<string, ShareMember>();
  /** Share sessions (ShareFetch epochs) by member id. */
  readonly sessions = new Map<string, number>();
  constructor(readonly groupId: string) {}

  get state(): "Empty" | "Stable" {
    return this.members.size === 0 ? "Empty" : "Stable";
  }
}

export interface ShareHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicId: string; partitions: number[] }[] | null;
}

type Topics = Pick<ClusterMetadata, "topicByName" | "topicById">;

export class ShareGroupCoordinator {
  private readonly groups = new Map<string, ShareGroup>();
  private readonly partitions = new Map<string, SharePartition>();
  private closed = false;

  constructor(
    private readonly config: ShareGroupConfig,
    private readonly topics: Topics,
    private readonly store: ShareStateStore,
    /** Whether a group id is taken by a classic or consumer group. */
    private readonly otherGroups: { has(groupId: string): boolean },
    private readonly onError: (message: string) => void,
  ) {
    for (const [text, { key, snapshot }] of store.loaded) {
      this.partitions.set(text, SharePartition.restore(config, snapshot, () => this.persist(key)));
      if (!this.groups.has(key.groupId)) this.groups.set(key.groupId, new ShareGroup(key.groupId));
    }
  }

  has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  // ---- ShareGroupHeartbeat --------------------------------------------------------------------

  heartbeat(p: { groupId: string; memberId: string; memberEpoch: number; rackId: string | null; subscribedTopicNames: string[] | null; clientId: string; clientHost: string }): ShareHeartbeatResult {
    const fail = (errorCode: number, errorMessage: string): ShareHeartbeatResult => ({ errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR, "The coordinator is shutting down.");
    if (p.groupId === "") return fail(ErrorCode.INVALID_GROUP_ID, "GroupId can't be empty.");
    if (p.memberEpoch < -1) return fail(ErrorCode.INVALID_REQUEST, `MemberEpoch ${p.memberEpoch} is invalid.`);
    if (p.memberEpoch === 0 && p.subscribedTopicNames === null) return fail(ErrorCode.INVALID_REQUEST, "SubscribedTopicNames must be set in first request.");
    if (this.otherGroups.has(p.groupId)) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} is not a share group.`);
    let group = this.groups.get(p.groupId);
    if (p.memberEpoch === -1) {
      const member = group?.members.get(p.memberId);
      if (!group || !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${p.groupId}.`);
      this.removeMember(group, member);
      return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: p.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
    if (!group) {
      if (p.memberEpoch !== 0) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Share group ${p.groupId} not found.`);
      group = new ShareGroup(p.groupId);
      this.groups.set(p.groupId, group);
    }
    let member = group.members.get(p.memberId);
    if (p.memberEpoch !== 0) {
      if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${p.groupId}.`);
      if (p.memberEpoch !== member.memberEpoch && p.memberEpoch !== member.memberEpoch - 1) {
        return fail(ErrorCode.FENCED_MEMBER_EPOCH, `The share group member has epoch ${p.memberEpoch}, the coordinator ${member.memberEpoch}.`);
      }
    }
    const subscription = p.subscribedTopicNames ?? member?.subscribedTopicNames ?? [];
    const changed = !member || subscription.join("\u0000") !== member.subscribedTopicNames.join("\u0000");
    if (changed) group.groupEpoch++;
    member ??= { memberId: p.memberId === "" ? randomUUID() : p.memberId, memberEpoch: 0, rackId: null, clientId: p.clientId, clientHost: p.clientHost, subscribedTopicNames: [], sessionTimer: undefined };
    const updated = { ...member, memberEpoch: group.groupEpoch, rackId: p.rackId ?? member.rackId, subscribedTopicNames: subscription };
    group.members.set(updated.memberId, updated);
    this.scheduleSessionExpiry(group, updated);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: updated.memberId,
      memberEpoch: updated.memberEpoch,
      heartbeatIntervalMs: this.config.groupShareHeartbeatIntervalMs,
      assignment: this.assignment(updated),
    };
  }

  /** Every partition of every subscribed topic that exists. */
  private assignment(member: ShareMember): { topicId: string; partitions: number[] }[] {
    return member.subscribedTopicNames.flatMap((name) => {
      const topic = this.topics.topicByName(name);
      return topic ? [{ topicId: topic.topicId, partitions: [...topic.partitions.keys()].sort((a, b) => a - b) }] : [];
    });
  }

  private scheduleSessionExpiry(group: ShareGroup, member: ShareMember): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = schedule(this.config.groupShareSessionTimeoutMs, () => {
      if (group.members.get(member.memberId)?.sessionTimer === member.sessionTimer) this.removeMember(group, group.members.get(member.memberId)!);
    });
  }

  private removeMember(group: ShareGroup, member: ShareMember): void {
    clearTimeout(member.sessionTimer);
    group.members.delete(member.memberId);
    group.sessions.delete(member.memberId);
    group.groupEpoch++;
    for (const [text, partition] of this.partitions) if (text.startsWith(groupPrefix(group.groupId))) partition.releaseAll(member.memberId);
  }

  // ---- ShareFetch / ShareAcknowledge ---------------------------------------------------------

  /**
   * The share session rules: epoch 0 opens one, -1 closes it (after its acknowledgements), anything
   * else must be the next epoch. Returns a top-level error code, or NONE.
   */
  checkSession(groupId: string, memberId: string, epoch: number): number {
    const group = this.groups.get(groupId);
    if (!group || !group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    const current = group.sessions.get(memberId);
    if (epoch === 0) {
      group.sessions.set(memberId, 0);
      return ErrorCode.NONE;
    }
    if (current === undefined) return ShareErrorCode.SHARE_SESSION_NOT_FOUND;
    if (epoch === -1) {
      group.sessions.delete(memberId);
      return ErrorCode.NONE;
    }
    if (epoch !== current + 1) return ShareErrorCode.INVALID_SHARE_SESSION_EPOCH;
    group.sessions.set(memberId, epoch);
    return ErrorCode.NONE;
  }

  /** The share partition of a topic partition the member may fetch from; undefined for an unknown one. */
  private partition(groupId: string, topicId: string, partition: number, logStartOffset: bigint): SharePartition | undefined {
    const topic = this.topics.topicById(topicId);
    if (!topic || !topic.partitions.has(partition)) return undefined;
    const key: SharePartitionKey = { groupId, topicId, partition };
    const text = keyText(key);
    let sp = this.partitions.get(text);
    if (!sp) {
      // group.share.auto.offset.reset=latest would start at the log end; this broker starts at the log start (earliest).
      sp = new SharePartition(this.config, logStartOffset, () => this.persist(key));
      this.partitions.set(text, sp);
    }
    return sp;
  }

  /** The share partition a fetch acquires from; undefined for an unknown partition. */
  sharePartition(groupId: string, topicId: string, partition: number, logStartOffset: bigint): SharePartition | undefined {
    return this.partition(groupId, topicId, partition, logStartOffset);
  }

  /** NONE, UNKNOWN_TOPIC_OR_PARTITION, or INVALID_RECORD_STATE when a batch is not the member's to settle. */
  acknowledge(groupId: string, memberId: string, topicId: string, partition: number, logStartOffset: bigint, batches: { firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }[]): number {
    const sp = this.partition(groupId, topicId, partition, logStartOffset);
    if (!sp) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    let error: number = ErrorCode.NONE;
    for (const b of batches) if (!sp.acknowledge(memberId, b.firstOffset, b.lastOffset, b.acknowledgeTypes)) error = ShareErrorCode.INVALID_RECORD_STATE;
    return error;
  }

  private persist(key: SharePartitionKey): void {
    const sp = this.partitions.get(keyText(key));
    if (!sp || this.closed) return;
    this.store.write(key, sp.snapshot()).catch((err: unknown) => this.onError(`share group ${key.groupId}: ${String(err)}`));
  }

  // ---- Describe, list, delete ------------------------------------------------------------------

  describe(groupId: string) {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    return {
      groupId,
      state: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.groupEpoch,
      assignorName: "simple",
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        assignment: this.assignment(m).map((a) => ({ ...a, topicName: this.topics.topicById(a.topicId)?.name ?? "" })),
      })),
    };
  }

  listGroups(): { groupId: string; state: string }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, state: g.state }));
  }

  /** An empty share group is deleted with its share partitions' state (tombstones). */
  async deleteGroup(groupId: string): Promise<number> {
    const group = this.groups.get(groupId)!;
    if (group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    this.groups.delete(groupId);
    for (const [text, sp] of [...this.partitions]) {
      if (!text.startsWith(groupPrefix(groupId))) continue;
      sp.close();
      this.partitions.delete(text);
      await this.store.write(JSON.parse(text) as SharePartitionKey, null);
    }
    return ErrorCode.NONE;
  }

  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) for (const m of group.members.values()) clearTimeout(m.sessionTimer);
    for (const sp of this.partitions.values()) sp.close();
  }
}

/** keyText's JSON starts with the group id. */
function groupPrefix(groupId: string): string {
  return `{"groupId":${JSON.stringify(groupId)},`;
}
