/**
 * Kafka's ConsumerGroup and ConsumerGroupMember for the KIP-848 protocol: the group epoch, the
 * target assignment (and the epoch it was computed at), and each member's subscription, epoch
 * and current assignment. The rules that move members between epochs live in
 * current-assignment-builder.ts; ConsumerGroupCoordinator drives them. This module keeps the books.
 */
import type { ConsumerGroupMemberMetadataValue } from "../protocol/generated/coordinator/consumer-group-member-metadata-value.ts";
import type { Assignment } from "./assignors.ts";

/** Kafka's MemberState, with the byte ConsumerGroupCurrentMemberAssignmentValue stores. */
export const MemberState = {
  STABLE: 1,
  UNREVOKED_PARTITIONS: 2,
  UNRELEASED_PARTITIONS: 3,
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

export type ConsumerGroupState = "Empty" | "Assigning" | "Reconciling" | "Stable" | "Dead";

/** The epoch a static member heartbeats with to leave for a while, keeping its place and partitions. */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;

/** A member: its subscription as ConsumerGroupMemberMetadataValue stores it, and its epochs and partitions. */
export interface ConsumerGroupMember extends MemberSubscription {
  memberId: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  /** Partitions the member may consume now. */
  assignedPartitions: Assignment;
  /** Partitions the member must give up before it moves to the next epoch. */
  partitionsPendingRevocation: Assignment;
}

/** Classic members of consumer groups (KIP-848's upgrade path) are not supported. */
export type MemberSubscription = Omit<ConsumerGroupMemberMetadataValue, "classicMemberMetadata">;

/** Topic name → what the group's subscriptions resolved it to (Kafka's subscription metadata). */
export type SubscriptionMetadata = Map<string, { topicId: string; numPartitions: number }>;

export class ConsumerGroup {
  groupEpoch = 0;
  /** The group epoch the target assignment was computed for. */
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerGroupMember>();
  /** member id → the partitions the assignor gave it. */
  readonly targetAssignment = new Map<string, Assignment>();
  subscriptionMetadata: SubscriptionMetadata = new Map();
  /** Session and revocation deadlines, by member id (not persisted: restarted at load). */
  readonly sessionTimers = new Map<string, NodeJS.Timeout>();
  readonly rebalanceTimers = new Map<string, NodeJS.Timeout>();

  constructor(readonly groupId: string) {}

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return "Empty";
    if (this.groupEpoch > this.assignmentEpoch) return "Assigning";
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.STABLE) return "Reconciling";
    }
    return "Stable";
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  /** The member that owns the partition (assigned or still to revoke), other than `except`. */
  ownerOf(topicId: string, partition: number, except: string): ConsumerGroupMember | undefined {
    for (const m of this.members.values()) {
      if (m.memberId === except) continue;
      if (m.assignedPartitions.get(topicId)?.has(partition) || m.partitionsPendingRevocation.get(topicId)?.has(partition)) return m;
    }
    return undefined;
  }

  /** Every topic name some member subscribes to by name. */
  subscribedTopicNames(): Set<string> {
    const names = new Set<string>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) names.add(t);
    return names;
  }
}
