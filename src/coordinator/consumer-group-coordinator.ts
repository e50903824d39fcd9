/**
 * The KIP-848 side of Kafka's group coordinator: ConsumerGroupHeartbeat (join, heartbeat,
 * leave), ConsumerGroupDescribe, and the member-epoch rules for committing and fetching offsets.
 * The broker computes each group's target assignment with a server-side assignor whenever the
 * group epoch moves (a member joins, leaves, changes its subscription, or a subscribed topic
 * changes), then moves every member towards it, revocation first (current-assignment-builder.ts).
 * Every change is written as ConsumerGroup* records to __consumer_offsets before it is answered,
 * and read back at start-up, so members keep their epochs and partitions across a restart.
 */
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { ConsumerGroupHeartbeatRequest } from "../protocol/generated/consumer-group-heartbeat-request.ts";
import type { Member as DescribedMember, TopicPartitions as NamedTopicPartitions } from "../protocol/generated/consumer-group-describe-response.ts";
import type { ClusterMetadata } from "../storage/cluster-metadata.ts";
import { ASSIGNORS, type Assignment, type ConsumerGroupAssignor } from "./assignors.ts";
import {
  ConsumerGroup,
  type ConsumerGroupMember,
  type ConsumerGroupState,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  type SubscriptionMetadata,
} from "./consumer-group.ts";
import { consumerGroupRecords, loadConsumerGroup } from "./consumer-group-records.ts";
import { isSubset, reconcile, sameAssignment } from "./current-assignment-builder.ts";
import type { GroupMetadataManager, TopicPartitionOffset } from "./group-metadata-manager.ts";
import { schedule } from "./timers.ts";

export interface ConsumerGroupConfig {
  /** group.consumer.heartbeat.interval.ms */
  groupConsumerHeartbeatIntervalMs: number;
  /** group.consumer.session.timeout.ms */
  groupConsumerSessionTimeoutMs: number;
  /** group.consumer.assignors: the first is the default. */
  groupConsumerAssignors: string[];
}

export interface TopicPartitionsById {
  topicId: string;
  partitions: number[];
}

/** The request's fields (the regex defaulted for v0), and who sends it. */
export type ConsumerGroupHeartbeatParams = Omit<ConsumerGroupHeartbeatRequest, "subscribedTopicRegex"> & {
  apiVersion: number;
  subscribedTopicRegex: string | null;
  clientId: string;
  clientHost: string;
};

export interface ConsumerGroupHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: TopicPartitionsById[] | null;
}

/** How the classic coordinator's groups look from here: a group id belongs to one kind of group. */
export interface ClassicGroups {
  /** A classic group with members (its id cannot become a consumer group's). */
  hasMembers(groupId: string): boolean;
  /** Drops an empty classic group (its committed offsets stay) so a consumer group can take the id. */
  forgetEmpty(groupId: string): void;
}

type Topics = Pick<ClusterMetadata, "topicByName" | "topicById" | "topics">;

class HeartbeatError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class ConsumerGroupCoordinator {
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly assignors: ConsumerGroupAssignor[];
  private closed = false;
  /** Whether this broker coordinates the group: always alone; in a cluster, for the groups the spread gives it. */
  ownsGroup: (groupId: string) => boolean = () => true;
  classicGroups: ClassicGroups = { hasMembers: () => false, forgetEmpty: () => {} };

  constructor(
    private readonly config: ConsumerGroupConfig,
    private readonly offsets: GroupMetadataManager,
    private readonly topics: Topics,
    private readonly onError: (message: string) => void,
  ) {
    this.assignors = config.groupConsumerAssignors.map((name) => {
      const assignor = ASSIGNORS.find((a) => a.name === name);
      if (!assignor) throw new Error(`group.consumer.assignors: unknown assignor ${name} (known: ${ASSIGNORS.map((a) => a.name).join(", ")})`);
      return assignor;
    });
    for (const groupId of offsets.groupsWithRecords()) {
      const group = loadConsumerGroup(groupId, offsets.groupRecordsOf(groupId));
      if (!group) continue;
      this.groups.set(groupId, group);
      // Every member gets a whole session to come back after the restart.
      for (const m of group.members.values()) this.scheduleSessionExpiry(group, m);
    }
  }

  has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  // ---- ConsumerGroupHeartbeat ----------------------------------------------------------------

  async heartbeat(p: ConsumerGroupHeartbeatParams): Promise<ConsumerGroupHeartbeatResult> {
    try {
      if (this.closed) throw new HeartbeatError(ErrorCode.NOT_COORDINATOR, "The coordinator is shutting down.");
      if (!this.ownsGroup(p.groupId)) throw new HeartbeatError(ErrorCode.NOT_COORDINATOR, "Another broker coordinates this group.");
      this.validate(p);
      if (p.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return await this.leave(p);
      return await this.join(p);
    } catch (err) {
      if (!(err instanceof HeartbeatError)) throw err;
      return { errorCode: err.errorCode, errorMessage: err.message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
  }

  /** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid. */
  private validate(p: ConsumerGroupHeartbeatParams): void {
    const invalid = (message: string) => new HeartbeatError(ErrorCode.INVALID_REQUEST, message);
    // From v1 the client makes up its member id (KIP-1082).
    if (p.apiVersion >= 1 && p.memberId === "") throw invalid("MemberId can't be empty.");
    if (p.groupId === "") throw new HeartbeatError(ErrorCode.INVALID_GROUP_ID, "GroupId can't be empty.");
    if (p.instanceId === "") throw invalid("InstanceId can't be empty.");
    if (p.rackId === "") throw invalid("RackId can't be empty.");
    if (p.memberEpoch === 0) {
      if (p.rebalanceTimeoutMs === -1) throw invalid("RebalanceTimeoutMs must be provided in first request.");
      if (p.topicPartitions === null || p.topicPartitions.length > 0) throw invalid("TopicPartitions must be empty when (re-)joining.");
      if (p.subscribedTopicNames === null && p.subscribedTopicRegex === null) throw invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
    } else if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (p.instanceId === null) throw invalid("InstanceId can't be null.");
    } else if (p.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      throw invalid(`MemberEpoch ${p.memberEpoch} is invalid.`);
    }
    if (p.subscribedTopicRegex !== null) compileRegex(p.subscribedTopicRegex);
    if (p.serverAssignor !== null && !this.assignors.some((a) => a.name === p.serverAssignor)) {
      throw new HeartbeatError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${p.serverAssignor} is not supported. Supported assignors: ${this.assignors.map((a) => a.name).join(", ")}.`);
    }
  }

  private async join(p: ConsumerGroupHeartbeatParams): Promise<ConsumerGroupHeartbeatResult> {
    const group = this.groupFor(p.groupId, p.memberEpoch === 0);
    const owned = p.topicPartitions && toAssignment(p.topicPartitions);
    const existing = this.memberFor(group, p, owned);
    const member: ConsumerGroupMember = existing ?? {
      memberId: p.apiVersion >= 1 ? p.memberId : randomUUID(),
      instanceId: p.instanceId,
      rackId: null,
      clientId: p.clientId,
      clientHost: p.clientHost,
      subscribedTopicNames: [],
      subscribedTopicRegex: null,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs,
      serverAssignor: null,
      memberEpoch: 0,
      previousMemberEpoch: -1,
      state: MemberState.STABLE,
      assignedPartitions: new Map(),
      partitionsPendingRevocation: new Map(),
    };
    const updated: ConsumerGroupMember = {
      ...member,
      rackId: p.rackId ?? member.rackId,
      clientId: p.clientId,
      clientHost: p.clientHost,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : p.rebalanceTimeoutMs,
      subscribedTopicNames: p.subscribedTopicNames ?? member.subscribedTopicNames,
      subscribedTopicRegex: p.subscribedTopicRegex ?? (p.subscribedTopicNames !== null && p.apiVersion >= 1 ? null : member.subscribedTopicRegex),
      serverAssignor: p.serverAssignor ?? member.serverAssignor,
    };
    let bumpEpoch =
      existing === undefined ||
      !sameList(updated.subscribedTopicNames, member.subscribedTopicNames) ||
      updated.subscribedTopicRegex !== member.subscribedTopicRegex ||
      updated.serverAssignor !== member.serverAssignor;
    group.members.set(updated.memberId, updated);
    const metadata = this.subscriptionMetadata(group);
    if (!sameMetadata(metadata, group.subscriptionMetadata)) {
      group.subscriptionMetadata = metadata;
      bumpEpoch = true;
    }
    if (bumpEpoch) group.groupEpoch++;
    if (group.groupEpoch > group.assignmentEpoch) this.computeTargetAssignment(group);
    const reconciled = reconcile(group, updated, owned);
    this.setMember(group, reconciled, member);
    await this.persist(group);
    const sendAssignment =
      p.memberEpoch === 0 || !sameAssignment(member.assignedPartitions, reconciled.assignedPartitions) || (owned !== null && !sameAssignment(owned, reconciled.assignedPartitions));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: reconciled.memberId,
      memberEpoch: reconciled.memberEpoch,
      heartbeatIntervalMs: this.config.groupConsumerHeartbeatIntervalMs,
      assignment: sendAssignment ? toTopicPartitions(reconciled.assignedPartitions) : null,
    };
  }

  /** The existing member the heartbeat is from (undefined: a new one), after Kafka's fencing checks. */
  private memberFor(group: ConsumerGroup, p: ConsumerGroupHeartbeatParams, owned: Assignment | null): ConsumerGroupMember | undefined {
    if (p.instanceId === null) {
      const member = group.members.get(p.memberId);
      if (p.memberEpoch === 0) return member;
      if (!member) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${group.groupId}.`);
      checkMemberEpoch(member, p.memberEpoch, owned);
      return member;
    }
    const current = group.staticMember(p.instanceId);
    if (p.memberEpoch === 0) {
      if (!current || current.memberId === p.memberId) return current;
      if (current.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        throw new HeartbeatError(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${current.memberId} with instance id ${p.instanceId} is not released yet.`);
      }
      // The instance comes back under a new member id: it takes over the old one's place and partitions.
      const memberId = p.apiVersion >= 1 ? p.memberId : randomUUID();
      this.forgetMember(group, current.memberId);
      const target = group.targetAssignment.get(current.memberId);
      group.targetAssignment.delete(current.memberId);
      if (target) group.targetAssignment.set(memberId, target);
      return { ...current, memberId, memberEpoch: current.previousMemberEpoch };
    }
    if (!current) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${p.instanceId} is unknown.`);
    if (current.memberId !== p.memberId) {
      throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${p.memberId} with instance id ${p.instanceId} was fenced by member ${current.memberId}.`);
    }
    checkMemberEpoch(current, p.memberEpoch, owned);
    return current;
  }

  private groupFor(groupId: string, create: boolean): ConsumerGroup {
    const group = this.groups.get(groupId);
    if (group) return group;
    if (this.classicGroups.hasMembers(groupId)) throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    if (!create) throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    // An empty classic group (committed offsets only) becomes a consumer group, offsets and all.
    this.classicGroups.forgetEmpty(groupId);
    const created = new ConsumerGroup(groupId);
    this.groups.set(groupId, created);
    return created;
  }

  private async leave(p: ConsumerGroupHeartbeatParams): Promise<ConsumerGroupHeartbeatResult> {
    const group = this.groups.get(p.groupId);
    const member = p.instanceId === null ? group?.members.get(p.memberId) : group?.staticMember(p.instanceId);
    if (!group || !member) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${p.groupId}.`);
    if (p.instanceId !== null && member.memberId !== p.memberId) {
      throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${p.memberId} with instance id ${p.instanceId} was fenced by member ${member.memberId}.`);
    }
    if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // Away for a while: it keeps its partitions until its session ends, then it is removed.
      this.setMember(group, { ...member, previousMemberEpoch: member.memberEpoch, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH }, member);
    } else {
      this.removeMember(group, member.memberId);
    }
    await this.persist(group);
    return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: member.memberId, memberEpoch: p.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
  }

  /** Stores the member and (re)arms its session and, while it holds partitions to revoke, its revocation deadline. */
  private setMember(group: ConsumerGroup, member: ConsumerGroupMember, before: ConsumerGroupMember | undefined): void {
    group.members.set(member.memberId, member);
    if (member.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH || before?.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) this.scheduleSessionExpiry(group, member);
    const revoking = member.state === MemberState.UNREVOKED_PARTITIONS;
    const startedRevoking = revoking && (before?.state !== MemberState.UNREVOKED_PARTITIONS || before.memberEpoch !== member.memberEpoch);
    if (!revoking) this.clearTimer(group.rebalanceTimers, member.memberId);
    else if (startedRevoking) {
      this.clearTimer(group.rebalanceTimers, member.memberId);
      const epoch = member.memberEpoch;
      group.rebalanceTimers.set(
        member.memberId,
        schedule(member.rebalanceTimeoutMs, () => {
          const now = group.members.get(member.memberId);
          if (now?.state === MemberState.UNREVOKED_PARTITIONS && now.memberEpoch === epoch) this.expire(group, member.memberId);
        }),
      );
    }
  }

  private scheduleSessionExpiry(group: ConsumerGroup, member: ConsumerGroupMember): void {
    this.clearTimer(group.sessionTimers, member.memberId);
    group.sessionTimers.set(member.memberId, schedule(this.config.groupConsumerSessionTimeoutMs, () => this.expire(group, member.memberId)));
  }

  /** A member whose session (or revocation deadline) ran out is fenced: removed, its partitions freed. */
  private expire(group: ConsumerGroup, memberId: string): void {
    if (this.closed || this.groups.get(group.groupId) !== group || !group.members.has(memberId)) return;
    this.removeMember(group, memberId);
    this.persist(group).catch((err: unknown) => this.onError(`consumer group ${group.groupId}: ${String(err)}`));
  }

  private removeMember(group: ConsumerGroup, memberId: string): void {
    this.forgetMember(group, memberId);
    group.targetAssignment.delete(memberId);
    group.subscriptionMetadata = this.subscriptionMetadata(group);
    group.groupEpoch++;
  }

  private forgetMember(group: ConsumerGroup, memberId: string): void {
    group.members.delete(memberId);
    this.clearTimer(group.sessionTimers, memberId);
    this.clearTimer(group.rebalanceTimers, memberId);
  }

  private clearTimer(timers: Map<string, NodeJS.Timeout>, memberId: string): void {
    clearTimeout(timers.get(memberId));
    timers.delete(memberId);
  }

  // ---- Target assignment ----------------------------------------------------------------------

  /** The topics the members subscribe to (by name, or by regex over the cluster's topics) that exist. */
  private subscriptionMetadata(group: ConsumerGroup): SubscriptionMetadata {
    const metadata: SubscriptionMetadata = new Map();
    const add = (name: string) => {
      const topic = this.topics.topicByName(name);
      if (topic) metadata.set(name, { topicId: topic.topicId, numPartitions: topic.partitions.size });
    };
    for (const name of group.subscribedTopicNames()) add(name);
    const regexes = [...group.members.values()].flatMap((m) => (m.subscribedTopicRegex === null ? [] : [compileRegex(m.subscribedTopicRegex)]));
    if (regexes.length > 0) for (const t of this.topics.topics()) if (regexes.some((re) => re.test(t.name))) add(t.name);
    return metadata;
  }

  private computeTargetAssignment(group: ConsumerGroup): void {
    const topicIds = new Map([...group.subscriptionMetadata].map(([name, t]) => [name, t.topicId]));
    const members = [...group.members.values()].map((m) => {
      const regex = m.subscribedTopicRegex === null ? undefined : compileRegex(m.subscribedTopicRegex);
      const subscribed = new Set<string>();
      for (const [name, topicId] of topicIds) if (m.subscribedTopicNames.includes(name) || regex?.test(name)) subscribed.add(topicId);
      return { memberId: m.memberId, subscribedTopicIds: subscribed, currentAssignment: group.targetAssignment.get(m.memberId) ?? new Map() };
    });
    const partitions = new Map([...group.subscriptionMetadata.values()].map((t) => [t.topicId, t.numPartitions]));
    const target = this.preferredAssignor(group).assign(members, partitions);
    group.targetAssignment.clear();
    for (const [memberId, assignment] of target) group.targetAssignment.set(memberId, assignment);
    group.assignmentEpoch = group.groupEpoch;
  }

  /** Kafka's rule: the assignor most members ask for, else the first of group.consumer.assignors. */
  private preferredAssignor(group: ConsumerGroup): ConsumerGroupAssignor {
    const votes = new Map<string, number>();
    for (const m of group.members.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best: string | undefined;
    for (const [name, count] of votes) if (best === undefined || count > votes.get(best)!) best = name;
    return this.assignors.find((a) => a.name === best) ?? this.assignors[0];
  }

  private persist(group: ConsumerGroup): Promise<void> {
    return this.offsets.storeGroupRecords(group.groupId, consumerGroupRecords(group));
  }

  // ---- Offsets, describe, list, delete ------------------------------------------------------

  /**
   * OffsetCommit for a consumer group: a member at its current epoch (v9+: earlier versions
   * cannot carry member epochs), or an admin commit (no member id, epoch -1) while the group is empty.
   */
  async commitOffsets(groupId: string, memberId: string, memberEpoch: number, apiVersion: number, offsets: TopicPartitionOffset[]): Promise<number> {
    if (this.closed || !this.ownsGroup(groupId)) return ErrorCode.NOT_COORDINATOR;
    const error = this.validateOffsetCommit(groupId, memberId, memberEpoch, apiVersion);
    if (error === ErrorCode.NONE) await this.offsets.storeOffsets(groupId, offsets);
    return error;
  }

  private validateOffsetCommit(groupId: string, memberId: string, memberEpoch: number, apiVersion: number): number {
    const group = this.groups.get(groupId)!;
    if (memberEpoch < 0 && memberId === "") return group.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /** OffsetFetch v9+ with a member id: the member must be at its current epoch; without one, anybody may fetch. */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    if (memberId === null || memberEpoch < 0) return ErrorCode.NONE;
    const member = this.groups.get(groupId)!.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /** OffsetDelete: the committed offsets of topics no member subscribes to. */
  async deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): Promise<{ errorCode: number; subscribedTopics: Set<string> }> {
    const subscribedTopics = new Set(this.groups.get(groupId)!.subscriptionMetadata.keys());
    await this.offsets.deleteOffsets(groupId, partitions.filter((p) => !subscribedTopics.has(p.topic)));
    return { errorCode: ErrorCode.NONE, subscribedTopics };
  }

  /** Only an empty group can be deleted; its records and offsets are tombstoned. */
  async deleteGroup(groupId: string): Promise<number> {
    const group = this.groups.get(groupId)!;
    if (group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    this.groups.delete(groupId);
    await this.offsets.storeGroupRecords(groupId, []);
    await this.offsets.deleteOffsets(groupId);
    return ErrorCode.NONE;
  }

  listGroups(): { groupId: string; state: ConsumerGroupState }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, state: g.state }));
  }

  describe(groupId: string): ConsumerGroupDescription | undefined {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    const named = (a: Assignment) =>
      [...a].map(([topicId, partitions]) => ({ topicId, topicName: this.topics.topicById(topicId)?.name ?? "", partitions: [...partitions].sort((x, y) => x - y) }));
    return {
      groupId,
      state: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: this.preferredAssignor(group).name,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: named(m.assignedPartitions),
        targetAssignment: named(group.targetAssignment.get(m.memberId) ?? new Map()),
      })),
    };
  }

  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) {
      for (const t of group.sessionTimers.values()) clearTimeout(t);
      for (const t of group.rebalanceTimers.values()) clearTimeout(t);
    }
    this.groups.clear();
  }
}

export interface ConsumerGroupDescription {
  groupId: string;
  state: ConsumerGroupState;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: (Omit<DescribedMember, "assignment" | "targetAssignment"> & { assignment: NamedTopicPartitions[]; targetAssignment: NamedTopicPartitions[] })[];
}

/**
 * Kafka's throwIfMemberEpochIsInvalid: a member ahead of the coordinator, or behind it other than
 * by the one epoch whose answer it may have missed (owning no more than its assignment), is fenced.
 */
function checkMemberEpoch(member: ConsumerGroupMember, received: number, owned: Assignment | null): void {
  if (received > member.memberEpoch) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (received < member.memberEpoch && (received !== member.previousMemberEpoch || owned === null || !isSubset(owned, member.assignedPartitions))) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
}

/** Kafka matches the whole topic name (RE2J's matches()). */
function compileRegex(regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`, "u");
  } catch {
    throw new HeartbeatError(ErrorCode.INVALID_REQUEST, `SubscribedTopicRegex ${regex} is not a valid regular expression.`);
  }
}

function toAssignment(tps: TopicPartitionsById[]): Assignment {
  return new Map(tps.map((tp) => [tp.topicId, new Set(tp.partitions)]));
}

function toTopicPartitions(a: Assignment): TopicPartitionsById[] {
  return [...a].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((x, y) => x - y) }));
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameMetadata(a: SubscriptionMetadata, b: SubscriptionMetadata): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const other = b.get(name);
    if (!other || other.topicId !== t.topicId || other.numPartitions !== t.numPartitions) return false;
  }
  return true;
}
