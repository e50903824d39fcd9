/**
 * Kafka's CurrentAssignmentBuilder: moves one member of a KIP-848 group towards its target
 * assignment, revocation first. A member that must give partitions up keeps its epoch and
 * only those partitions of its target it already has (UNREVOKED_PARTITIONS) until it reports
 * them gone; then it moves to the target's epoch and gets the new partitions that nobody else
 * still owns (UNRELEASED_PARTITIONS while some are still owned, STABLE once it has them all).
 */
import type { Assignment } from "./assignors.ts";
import { type ConsumerGroup, type ConsumerGroupMember, MemberState } from "./consumer-group.ts";

/** `owned`: the partitions the member's heartbeat says it owns; null when it did not say. */
export function reconcile(group: ConsumerGroup, member: ConsumerGroupMember, owned: Assignment | null): ConsumerGroupMember {
  const targetEpoch = group.assignmentEpoch;
  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch === targetEpoch ? member : computeNext(group, member, owned);
    case MemberState.UNREVOKED_PARTITIONS:
      // Still holding a partition it was asked to revoke (or not saying): wait.
      if (owned === null || overlaps(owned, member.partitionsPendingRevocation)) return member;
      return computeNext(group, { ...member, partitionsPendingRevocation: new Map() }, owned);
    case MemberState.UNRELEASED_PARTITIONS:
      // Partitions others were revoking may be free now.
      return computeNext(group, member, owned);
  }
}

function computeNext(group: ConsumerGroup, member: ConsumerGroupMember, owned: Assignment | null): ConsumerGroupMember {
  const target = group.targetAssignment.get(member.memberId) ?? new Map<string, Set<number>>();
  const kept: Assignment = new Map();
  const toRevoke: Assignment = new Map();
  const toAssign: Assignment = new Map();
  let unreleased = false;
  for (const topicId of new Set([...target.keys(), ...member.assignedPartitions.keys()])) {
    const wanted = target.get(topicId) ?? new Set<number>();
    const current = member.assignedPartitions.get(topicId) ?? new Set<number>();
    for (const p of current) put(wanted.has(p) ? kept : toRevoke, topicId, p);
    for (const p of wanted) {
      if (current.has(p)) continue;
      if (group.ownerOf(topicId, p, member.memberId)) unreleased = true;
      else put(toAssign, topicId, p);
    }
  }
  // A member that already reported the revoked partitions gone does not need to be asked.
  if (toRevoke.size > 0 && (owned === null || overlaps(owned, toRevoke))) {
    return { ...member, state: MemberState.UNREVOKED_PARTITIONS, assignedPartitions: kept, partitionsPendingRevocation: toRevoke };
  }
  for (const [topicId, partitions] of toAssign) for (const p of partitions) put(kept, topicId, p);
  return {
    ...member,
    state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
    previousMemberEpoch: member.memberEpoch,
    memberEpoch: group.assignmentEpoch,
    assignedPartitions: kept,
    partitionsPendingRevocation: new Map(),
  };
}

function put(a: Assignment, topicId: string, partition: number): void {
  if (!a.has(topicId)) a.set(topicId, new Set());
  a.get(topicId)!.add(partition);
}

function overlaps(a: Assignment, b: Assignment): boolean {
  for (const [topicId, partitions] of b) for (const p of partitions) if (a.get(topicId)?.has(p)) return true;
  return false;
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  const size = (x: Assignment) => [...x.values()].reduce((n, s) => n + s.size, 0);
  return size(a) === size(b) && !differs(a, b);
}

function differs(a: Assignment, b: Assignment): boolean {
  for (const [topicId, partitions] of a) for (const p of partitions) if (!b.get(topicId)?.has(p)) return true;
  return false;
}

/** Is every partition of `a` in `b`? */
export function isSubset(a: Assignment, b: Assignment): boolean {
  return !differs(a, b);
}
