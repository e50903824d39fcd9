/**
 * Kafka's classic GroupCoordinator on a single broker: JoinGroup/SyncGroup rebalances,
 * heartbeats and session expiry, LeaveGroup, static membership, and the rules for who may
 * commit offsets. A JoinGroup or SyncGroup that has to wait for the rest of the group is a
 * promise this coordinator resolves; every timer is unref'd and cleared by close().
 *
 * The state machine follows Kafka's: Empty → PreparingRebalance (members rejoin) →
 * CompletingRebalance (the leader assigns) → Stable. A group left with neither members nor
 * committed offsets is forgotten at once, and described as Dead, like a group never seen.
 */
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  GroupMetadata,
  type GroupState,
  type JoinGroupResult,
  MemberMetadata,
  type Protocol,
  type SyncGroupResult,
} from "./group-metadata.ts";
import type { EndTransactionMarker } from "../storage/end-transaction-marker.ts";
import type { GroupMetadataManager, OffsetAndMetadata, TopicPartitionOffset } from "./group-metadata-manager.ts";
import { groupMetadataRecord, loadClassicGroup } from "./group-metadata-records.ts";
import { schedule, scheduleEvery } from "./timers.ts";

export type { GroupState, JoinGroupResult, SyncGroupResult } from "./group-metadata.ts";

export interface GroupConfig {
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members. */
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  /** offsets.retention.minutes: how long the committed offsets of a group without members are kept. */
  offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are looked for. */
  offsetsRetentionCheckIntervalMs: number;
}

export interface JoinGroupParams {
  groupId: string;
  /** "" for a member joining for the first time. */
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a new dynamic member first gets its id back with MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+; null when the request does not say. */
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupResult {
  errorCode: number;
  members: (MemberIdentity & { errorCode: number })[];
}

export interface OffsetCommitParams {
  groupId: string;
  /** -1 for a "simple" commit from a client that does not use group management. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  offsets: TopicPartitionOffset[];
}

export interface GroupOverview {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

export interface GroupSummary {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** The selected protocol while Stable, "" otherwise. */
  protocol: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }[];
}

const EMPTY = new Uint8Array(0);
/** The protocol type of Kafka's consumers, whose member metadata is a ConsumerProtocolSubscription. */
const CONSUMER_PROTOCOL_TYPE = "consumer";

function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  };
}

function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, GroupMetadata>();
  /** Groups whose first rebalance is held back by group.initial.rebalance.delay.ms. */
  private readonly initialDelay = new WeakSet<GroupMetadata>();
  private readonly offsetsExpiryTimer: NodeJS.Timeout;
  private closed = false;
  /** Whether this broker coordinates the group: always alone; in a cluster, for the groups the spread gives it. */
  ownsGroup: (groupId: string) => boolean = () => true;

  constructor(
    private readonly config: GroupConfig,
    private readonly offsets: GroupMetadataManager,
    /** The KIP-848 groups: a group id is either theirs or a classic group's. */
    private readonly consumerGroups: { has(groupId: string): boolean } = { has: () => false },
    private readonly onError: (message: string) => void = () => {},
  ) {
    // Groups come back as their last GroupMetadata record left them, members and all; groups
    // that only have committed offsets exist, Empty, as Kafka loads them.
    for (const groupId of offsets.groupsWithRecords()) {
      const group = loadClassicGroup(groupId, offsets.groupRecordsOf(groupId));
      if (!group) continue;
      this.groups.set(groupId, group);
      for (const member of group.members.values()) this.scheduleSessionExpiry(group, member);
    }
    for (const groupId of offsets.groupIds()) {
      if (!consumerGroups.has(groupId) && !this.groups.has(groupId)) this.groups.set(groupId, new GroupMetadata(groupId));
    }
    this.offsetsExpiryTimer = scheduleEvery(config.offsetsRetentionCheckIntervalMs, () => void this.cleanupGroupMetadata());
  }

  /**
   * Kafka's cleanupGroupMetadata: expires committed offsets older than offsets.retention.minutes
   * (tombstones in __consumer_offsets, which the LogCleaner then compacts away). An Empty
   * group's offsets age from when it became empty; a standalone consumer's (offsets, never
   * members) from each commit; a Stable consumer group's only for topics no member subscribes to.
   * Returns how many offsets expired.
   */
  async cleanupGroupMetadata(now = Date.now()): Promise<number> {
    const retentionMs = this.config.offsetsRetentionMinutes * 60_000;
    let expired = 0;
    // Standalone consumers commit without ever joining: their groups exist only in the offsets.
    for (const groupId of [...this.offsets.groupIds()]) if (!this.groups.has(groupId) && !this.consumerGroups.has(groupId)) this.groups.set(groupId, new GroupMetadata(groupId));
    for (const group of [...this.groups.values()]) {
      const consumerStable = group.is("Stable") && group.protocolType === CONSUMER_PROTOCOL_TYPE;
      if (!group.is("Empty") && !consumerStable) continue;
      const subscribed = consumerStable ? group.subscribedTopics() : new Set<string>();
      const doomed = [];
      for (const [topic, partitions] of this.offsets.fetchOffsets(group.groupId, null)) {
        if (subscribed.has(topic)) continue;
        for (const [partition, committed] of partitions) {
          const emptySince = group.is("Empty") && group.protocolType !== null ? group.currentStateTimestamp : undefined;
          if (now - (emptySince ?? Number(committed!.commitTimestamp)) >= retentionMs) doomed.push({ topic, partition });
        }
      }
      if (doomed.length === 0 || !this.serves(group.groupId)) continue;
      await this.offsets.deleteOffsets(group.groupId, doomed);
      expired += doomed.length;
      this.maybeForget(group);
    }
    return expired;
  }

  /** What the consumer group coordinator needs to know of the classic groups. */
  hasMembers(groupId: string): boolean {
    const group = this.groups.get(groupId);
    return group !== undefined && !(group.is("Empty") && group.pendingMembers.size === 0);
  }

  forgetEmpty(groupId: string): void {
    if (!this.hasMembers(groupId)) this.groups.delete(groupId);
  }

  // ---- JoinGroup ----------------------------------------------------------------------------

  joinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    if (!this.serves(p.groupId)) return Promise.resolve(joinError(p.memberId, ErrorCode.NOT_COORDINATOR));
    if (p.groupId === "") return Promise.resolve(joinError(p.memberId, ErrorCode.INVALID_GROUP_ID));
    if (p.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || p.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return Promise.resolve(joinError(p.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    // Kafka 4.0 with group.consumer.migration.policy=disabled: a consumer group takes no classic members.
    if (this.consumerGroups.has(p.groupId)) return Promise.resolve(joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const isUnknownMember = p.memberId === "";
    let group = this.groups.get(p.groupId);
    if (!group) {
      if (!isUnknownMember) return Promise.resolve(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new GroupMetadata(p.groupId);
      this.groups.set(p.groupId, group);
    }
    if (!group.supportsProtocols(p.protocolType, p.protocols)) {
      this.maybeForget(group);
      return Promise.resolve(joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const result = isUnknownMember ? this.joinNewMember(group, p) : this.joinCurrentMember(group, p);
    if (group.is("PreparingRebalance")) this.tryCompleteJoin(group);
    return result;
  }

  private joinNewMember(group: GroupMetadata, p: JoinGroupParams): Promise<JoinGroupResult> {
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(p.groupInstanceId);
      return oldMemberId === undefined
        ? this.addMemberAndRebalance(group, newMemberId, p)
        : this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, p);
    }
    if (p.requireKnownMemberId) {
      // The member gets its id first and joins with it, so a client that gives up on a slow
      // JoinGroup and retries does not leave a defunct member behind.
      group.pendingMembers.set(
        newMemberId,
        schedule(p.sessionTimeoutMs, () => this.removePendingMember(group, newMemberId)),
      );
      return Promise.resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    return this.addMemberAndRebalance(group, newMemberId, p);
  }

  private joinCurrentMember(group: GroupMetadata, p: JoinGroupParams): Promise<JoinGroupResult> {
    const pendingTimer = group.pendingMembers.get(p.memberId);
    if (pendingTimer !== undefined && p.groupInstanceId === null) {
      clearTimeout(pendingTimer);
      group.pendingMembers.delete(p.memberId);
      return this.addMemberAndRebalance(group, p.memberId, p);
    }
    const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return Promise.resolve(joinError(p.memberId, memberError));
    const member = group.members.get(p.memberId)!;
    switch (group.state) {
      case "PreparingRebalance":
        return this.updateMemberAndRebalance(group, member, p);
      case "CompletingRebalance":
        // The same metadata again (the member probably missed the JoinGroup response): answer
        // with the current generation rather than start over.
        if (member.matches(p.protocols)) {
          this.scheduleSessionExpiry(group, member);
          return Promise.resolve(this.joinResult(group, member.memberId));
        }
        return this.updateMemberAndRebalance(group, member, p);
      case "Stable":
        // A rejoining leader forces a rebalance: it may have seen a change (new partitions) that
        // the member metadata does not show.
        if (group.isLeader(member.memberId) || !member.matches(p.protocols)) return this.updateMemberAndRebalance(group, member, p);
        this.scheduleSessionExpiry(group, member);
        return Promise.resolve(this.joinResult(group, member.memberId));
      default:
        return Promise.resolve(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private addMemberAndRebalance(group: GroupMetadata, memberId: string, p: JoinGroupParams): Promise<JoinGroupResult> {
    const member = new MemberMetadata(
      memberId,
      p.groupInstanceId,
      p.clientId,
      p.clientHost,
      p.rebalanceTimeoutMs,
      p.sessionTimeoutMs,
      p.protocolType,
      p.protocols,
    );
    const joined = this.awaitJoin(member);
    group.add(member);
    this.scheduleSessionExpiry(group, member);
    this.maybePrepareRebalance(group);
    return joined;
  }

  private updateMemberAndRebalance(group: GroupMetadata, member: MemberMetadata, p: JoinGroupParams): Promise<JoinGroupResult> {
    const joined = this.updateMember(member, p);
    this.scheduleSessionExpiry(group, member);
    this.maybePrepareRebalance(group);
    return joined;
  }

  private updateMember(member: MemberMetadata, p: JoinGroupParams): Promise<JoinGroupResult> {
    member.protocols = p.protocols;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    member.clientId = p.clientId;
    member.clientHost = p.clientHost;
    // A second JoinGroup for the same member (another connection) supersedes the first.
    this.invokeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    return this.awaitJoin(member);
  }

  private awaitJoin(member: MemberMetadata): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      member.awaitingJoin = resolve;
    });
  }

  /** A static member came back without its member id: it takes over the old one's place. */
  private updateStaticMemberAndRebalance(group: GroupMetadata, oldMemberId: string, newMemberId: string, p: JoinGroupParams): Promise<JoinGroupResult> {
    const currentLeader = group.leaderId ?? "";
    const old = group.members.get(oldMemberId)!;
    // Fence whoever still uses the old member id.
    this.invokeJoin(old, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.invokeSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.replaceStaticMember(oldMemberId, newMemberId);
    const joined = this.updateMember(member, p);
    this.scheduleSessionExpiry(group, member);
    switch (group.state) {
      case "Stable":
        if (group.selectProtocol() === group.protocolName) {
          // Nothing changes for the group: the member keeps its assignment. The old leader id is
          // returned so a rejoined leader does not assign again; v9+ says so with skipAssignment.
          const isLeader = group.isLeader(newMemberId);
          this.invokeJoin(member, {
            ...this.joinResult(group, newMemberId),
            leader: currentLeader,
            skipAssignment: isLeader,
          });
        } else {
          this.prepareRebalance(group);
        }
        break;
      case "CompletingRebalance":
        // The leader may be assigning to the old member id; start over with the new one.
        this.prepareRebalance(group);
        break;
      default:
        break;
    }
    return joined;
  }

  private joinResult(group: GroupMetadata, memberId: string): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      skipAssignment: false,
      memberId,
      members: group.isLeader(memberId) ? group.currentMemberMetadata() : [],
    };
  }

  private maybePrepareRebalance(group: GroupMetadata): void {
    if (group.is("Stable") || group.is("CompletingRebalance") || group.is("Empty")) this.prepareRebalance(group);
  }

  private prepareRebalance(group: GroupMetadata): void {
    // Members waiting for an assignment must rejoin instead.
    if (group.is("CompletingRebalance")) this.resetAndPropagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.clearSyncExpiration(group);
    const fromEmpty = group.is("Empty");
    group.state = "PreparingRebalance";
    clearTimeout(group.rebalanceTimer);
    if (fromEmpty) {
      const delay = this.config.groupInitialRebalanceDelayMs;
      this.initialDelay.add(group);
      this.scheduleInitialDelayedJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.initialDelay.delete(group);
      this.scheduleDelayedJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait, and wait again (up to the rebalance timeout) while members keep arriving. */
  private scheduleInitialDelayedJoin(group: GroupMetadata, delayMs: number, remainingMs: number): void {
    group.rebalanceTimer = schedule(delayMs, () => {
      group.rebalanceTimer = undefined;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const delay = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
        this.scheduleInitialDelayedJoin(group, delay, Math.max(remainingMs - delayMs, 0));
      } else {
        this.completeJoin(group);
      }
    });
  }

  /** Kafka's DelayedJoin: done when every member has rejoined, or after the rebalance timeout. */
  private scheduleDelayedJoin(group: GroupMetadata): void {
    group.rebalanceTimer = schedule(group.rebalanceTimeoutMs, () => {
      group.rebalanceTimer = undefined;
      this.completeJoin(group);
    });
    this.tryCompleteJoin(group);
  }

  private tryCompleteJoin(group: GroupMetadata): void {
    if (group.is("PreparingRebalance") && !this.initialDelay.has(group) && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  private completeJoin(group: GroupMetadata): void {
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    this.initialDelay.delete(group);
    // Dynamic members that did not rejoin in time are gone; static ones keep their place.
    for (const member of [...group.members.values()]) {
      if (!member.awaitingJoin && member.groupInstanceId === null) this.removeMember(group, member);
    }
    if (group.members.size > 0 && !this.electJoinedLeader(group)) {
      // Nobody rejoined: wait another rebalance timeout for session expiry to clear the group.
      this.scheduleDelayedJoin(group);
      return;
    }
    group.generationId++;
    group.newMemberAdded = false;
    if (group.members.size === 0) {
      group.state = "Empty";
      group.protocolName = null;
      if (!this.maybeForget(group)) this.persistInBackground(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.state = "CompletingRebalance";
    for (const member of group.members.values()) {
      this.invokeJoin(member, this.joinResult(group, member.memberId));
      this.scheduleSessionExpiry(group, member);
      group.pendingSyncMembers.add(member.memberId);
    }
    this.scheduleSyncExpiration(group);
  }

  /** The leader must be among the members that rejoined; otherwise the first that did leads. */
  private electJoinedLeader(group: GroupMetadata): boolean {
    if (group.leaderId !== null && group.members.get(group.leaderId)?.awaitingJoin) return true;
    for (const m of group.members.values()) {
      if (m.awaitingJoin) {
        group.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  // ---- SyncGroup ----------------------------------------------------------------------------

  syncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    if (!this.serves(p.groupId)) return Promise.resolve(syncError(ErrorCode.NOT_COORDINATOR));
    const group = this.groups.get(p.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return Promise.resolve(syncError(memberError));
    if (p.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((p.protocolType !== null && p.protocolType !== group.protocolType) || (p.protocolName !== null && p.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = group.members.get(p.memberId)!;
    switch (group.state) {
      case "PreparingRebalance":
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case "CompletingRebalance": {
        // A second SyncGroup for the same member (another connection) supersedes the first.
        this.invokeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const synced = new Promise<SyncGroupResult>((resolve) => {
          member.awaitingSync = resolve;
        });
        this.removePendingSyncMember(group, member.memberId);
        if (group.isLeader(member.memberId)) {
          // Members the leader left out get an empty assignment; unknown member ids are ignored.
          const assignments = new Map(p.assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
          this.completeSync(group);
        }
        return synced;
      }
      case "Stable":
        this.removePendingSyncMember(group, member.memberId);
        this.scheduleSessionExpiry(group, member);
        return Promise.resolve({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /**
   * The generation's assignments are written (GroupMetadataValue) before anybody is told them; a
   * rebalance that starts meanwhile has already answered the waiting members.
   */
  private completeSync(group: GroupMetadata): void {
    const generationId = group.generationId;
    const stillCompleting = () => group.generationId === generationId && group.is("CompletingRebalance") && this.groups.get(group.groupId) === group;
    this.persist(group).then(
      () => {
        if (!stillCompleting()) return;
        this.propagateAssignment(group, ErrorCode.NONE);
        group.state = "Stable";
      },
      (err: unknown) => {
        this.onError(`group ${group.groupId}: could not store the group metadata: ${String(err)}`);
        if (!stillCompleting()) return;
        this.resetAndPropagateAssignment(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
        this.prepareRebalance(group);
      },
    );
  }

  private persist(group: GroupMetadata): Promise<void> {
    return this.offsets.storeGroupRecords(group.groupId, [groupMetadataRecord(group)]);
  }

  private persistInBackground(group: GroupMetadata): void {
    this.persist(group).catch((err: unknown) => this.onError(`group ${group.groupId}: could not store the group metadata: ${String(err)}`));
  }

  private propagateAssignment(group: GroupMetadata, errorCode: number): void {
    for (const member of group.members.values()) {
      if (!member.awaitingSync) continue;
      this.invokeSync(member, { errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      this.scheduleSessionExpiry(group, member);
    }
  }

  private resetAndPropagateAssignment(group: GroupMetadata, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  /** Members that do not send SyncGroup within the rebalance timeout are removed and the group rebalances. */
  private scheduleSyncExpiration(group: GroupMetadata): void {
    clearTimeout(group.syncTimer);
    const generationId = group.generationId;
    group.syncTimer = schedule(group.rebalanceTimeoutMs, () => {
      group.syncTimer = undefined;
      if (generationId !== group.generationId || !(group.is("CompletingRebalance") || group.is("Stable"))) return;
      for (const memberId of [...group.pendingSyncMembers]) {
        const member = group.members.get(memberId);
        if (member) this.removeMember(group, member);
      }
      this.prepareRebalance(group);
    });
  }

  private removePendingSyncMember(group: GroupMetadata, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.clearSyncExpiration(group);
  }

  private clearSyncExpiration(group: GroupMetadata): void {
    clearTimeout(group.syncTimer);
    group.syncTimer = undefined;
    group.pendingSyncMembers.clear();
  }

  // ---- Heartbeat and session expiry ----------------------------------------------------------

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (!this.serves(groupId)) return ErrorCode.NOT_COORDINATOR;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    const memberError = this.validateCurrentMember(group, memberId, groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.is("Empty")) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.scheduleSessionExpiry(group, group.members.get(memberId)!);
    // During a rebalance the heartbeat is what tells a member to rejoin.
    return group.is("PreparingRebalance") ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** (Re)starts the member's session: without a heartbeat (or join, sync, commit) in time it is removed. */
  private scheduleSessionExpiry(group: GroupMetadata, member: MemberMetadata): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = schedule(member.sessionTimeoutMs, () => {
      member.sessionTimer = undefined;
      if (group.members.get(member.memberId) !== member) return;
      // A member waiting on the coordinator cannot heartbeat; the rebalance timeout bounds that wait.
      if (member.awaitingJoin || member.awaitingSync) return this.scheduleSessionExpiry(group, member);
      this.removeMemberAndUpdateGroup(group, member);
    });
  }

  private removePendingMember(group: GroupMetadata, memberId: string): void {
    clearTimeout(group.pendingMembers.get(memberId));
    group.pendingMembers.delete(memberId);
    if (group.is("PreparingRebalance")) this.tryCompleteJoin(group);
    else this.maybeForget(group);
  }

  // ---- LeaveGroup ---------------------------------------------------------------------------

  leaveGroup(groupId: string, leaving: MemberIdentity[]): LeaveGroupResult {
    if (!this.serves(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    const group = this.groups.get(groupId);
    const members = leaving.map((m) => ({ ...m, errorCode: group ? this.leave(group, m) : ErrorCode.UNKNOWN_MEMBER_ID }));
    return { errorCode: ErrorCode.NONE, members };
  }

  private leave(group: GroupMetadata, m: MemberIdentity): number {
    // An administrator may remove a static member by its group.instance.id alone.
    if (m.memberId === "") {
      const memberId = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
      if (memberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMemberAndUpdateGroup(group, group.members.get(memberId)!);
      return ErrorCode.NONE;
    }
    if (group.pendingMembers.has(m.memberId)) {
      this.removePendingMember(group, m.memberId);
      return ErrorCode.NONE;
    }
    const memberError = this.validateCurrentMember(group, m.memberId, m.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    this.removeMemberAndUpdateGroup(group, group.members.get(m.memberId)!);
    return ErrorCode.NONE;
  }

  private removeMemberAndUpdateGroup(group: GroupMetadata, member: MemberMetadata): void {
    this.removeMember(group, member);
    if (group.is("Stable") || group.is("CompletingRebalance")) this.prepareRebalance(group);
    else if (group.is("PreparingRebalance")) this.tryCompleteJoin(group);
  }

  /** Takes the member out of the group, answering anything it still waits for. */
  private removeMember(group: GroupMetadata, member: MemberMetadata): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = undefined;
    this.invokeJoin(member, joinError("", ErrorCode.UNKNOWN_MEMBER_ID));
    this.invokeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
  }

  private invokeJoin(member: MemberMetadata, result: JoinGroupResult): void {
    const resolve = member.awaitingJoin;
    member.awaitingJoin = undefined;
    resolve?.(result);
  }

  private invokeSync(member: MemberMetadata, result: SyncGroupResult): void {
    const resolve = member.awaitingSync;
    member.awaitingSync = undefined;
    resolve?.(result);
  }

  /**
   * An Empty group with no committed offsets and nobody about to join holds nothing worth keeping:
   * it is forgotten (its group metadata tombstoned). True when it was.
   */
  private maybeForget(group: GroupMetadata): boolean {
    if (!group.is("Empty") || group.pendingMembers.size > 0 || this.offsets.hasOffsets(group.groupId)) return false;
    this.groups.delete(group.groupId);
    this.offsets.storeGroupRecords(group.groupId, []).catch((err: unknown) => this.onError(`group ${group.groupId}: ${String(err)}`));
    return true;
  }

  /** FENCED_INSTANCE_ID for a static member id that another instance has taken over; UNKNOWN_MEMBER_ID for a stranger. */
  private validateCurrentMember(group: GroupMetadata, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  // ---- Offsets ------------------------------------------------------------------------------

  /**
   * Validates who commits, then stores the offsets. Members must be in the group's current
   * generation; a commit with generation -1 and no member id (a client that assigns partitions
   * itself) is accepted while the group has no members, as Kafka does.
   */
  async commitOffsets(p: OffsetCommitParams): Promise<number> {
    if (!this.serves(p.groupId)) return ErrorCode.NOT_COORDINATOR;
    if (p.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    let group = this.groups.get(p.groupId);
    if (!group) {
      if (p.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = new GroupMetadata(p.groupId);
      this.groups.set(p.groupId, group);
    }
    const error = this.validateOffsetCommit(group, p);
    if (error !== ErrorCode.NONE) {
      this.maybeForget(group);
      return error;
    }
    // Between JoinGroup and the leader's SyncGroup nobody owns partitions yet.
    if (group.is("CompletingRebalance")) return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.members.get(p.memberId);
    if (member) this.scheduleSessionExpiry(group, member);
    await this.offsets.storeOffsets(p.groupId, p.offsets);
    return ErrorCode.NONE;
  }

  private validateOffsetCommit(group: GroupMetadata, p: OffsetCommitParams): number {
    if (p.generationId >= 0 || p.memberId !== "" || p.groupInstanceId !== null) {
      const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      return p.generationId === group.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    return group.is("Empty") ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * TxnOffsetCommit: the offsets of a transaction, pending until it ends. Kafka checks the member
   * and generation only when the request names them (v3+ clients in a group).
   */
  async commitTransactionalOffsets(p: OffsetCommitParams, producer: { producerId: bigint; producerEpoch: number }): Promise<number> {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (p.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(p.groupId);
    if (group && p.memberId !== "") {
      const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
    }
    if (p.generationId >= 0 && p.generationId !== (group?.generationId ?? -1)) return ErrorCode.ILLEGAL_GENERATION;
    if (!group) this.groups.set(p.groupId, new GroupMetadata(p.groupId));
    await this.offsets.storeTransactionalOffsets(p.groupId, producer, p.offsets);
    return ErrorCode.NONE;
  }

  /** Ends a transaction's offset commits in one offsets partition (its marker). */
  writeTxnMarker(partition: number, marker: EndTransactionMarker): Promise<void> {
    return this.offsets.writeTxnMarker(partition, marker);
  }

  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    return this.offsets.hasPendingOffset(groupId, topic, partition);
  }

  offsetsPartitionFor(groupId: string): number {
    return this.offsets.partitionFor(groupId);
  }

  fetchOffsets(groupId: string, topics: { name: string; partitions: number[] }[] | null): Map<string, Map<number, OffsetAndMetadata | undefined>> {
    return this.offsets.fetchOffsets(groupId, topics);
  }

  // ---- DeleteGroups / OffsetDelete ----------------------------------------------------------

  /** Only a group without members can be deleted; its offsets go with it (tombstones in __consumer_offsets). */
  async deleteGroup(groupId: string): Promise<number> {
    if (!this.serves(groupId)) return ErrorCode.NOT_COORDINATOR;
    if (groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is("Empty")) return ErrorCode.NON_EMPTY_GROUP;
    this.groups.delete(groupId);
    await this.offsets.storeGroupRecords(groupId, []);
    await this.offsets.deleteOffsets(groupId);
    return ErrorCode.NONE;
  }

  /**
   * Deletes committed offsets of topics no member is subscribed to: any topic of an Empty group;
   * for a group with members, only one running the "consumer" protocol (whose subscriptions the
   * coordinator can read), else NON_EMPTY_GROUP.
   */
  async deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): Promise<{ errorCode: number; subscribedTopics: Set<string> }> {
    const none = new Set<string>();
    if (!this.serves(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, subscribedTopics: none };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, subscribedTopics: none };
    if (!group.is("Empty") && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, subscribedTopics: none };
    const subscribedTopics = group.is("Empty") ? none : group.subscribedTopics();
    await this.offsets.deleteOffsets(groupId, partitions.filter((p) => !subscribedTopics.has(p.topic)));
    this.maybeForget(group);
    return { errorCode: ErrorCode.NONE, subscribedTopics };
  }

  // ---- ListGroups / DescribeGroups ----------------------------------------------------------

  listGroups(): GroupOverview[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state }));
  }

  describeGroup(groupId: string): GroupSummary {
    const group = this.groups.get(groupId);
    if (!group) return { groupId, state: "Dead", protocolType: "", protocol: "", members: [] };
    const stable = group.is("Stable");
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? "",
      protocol: stable ? (group.protocolName ?? "") : "",
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        // Metadata and assignment only mean something once the group has settled.
        metadata: stable ? m.metadataFor(group.protocolName ?? "") : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  // ---- Shutdown -----------------------------------------------------------------------------

  private serves(groupId: string): boolean {
    return !this.closed && this.ownsGroup(groupId);
  }

  /** Cancels every timer and answers every waiting JoinGroup/SyncGroup with NOT_COORDINATOR. */
  close(): void {
    this.closed = true;
    clearInterval(this.offsetsExpiryTimer);
    for (const group of this.groups.values()) {
      clearTimeout(group.rebalanceTimer);
      clearTimeout(group.syncTimer);
      for (const timer of group.pendingMembers.values()) clearTimeout(timer);
      for (const member of group.members.values()) {
        clearTimeout(member.sessionTimer);
        this.invokeJoin(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
        this.invokeSync(member, syncError(ErrorCode.NOT_COORDINATOR));
      }
    }
    this.groups.clear();
  }
}
