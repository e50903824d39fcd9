/**
 * The server-side assignors of KIP-848 consumer groups (`group.consumer.assignors`): given each
 * member's subscribed topics and current assignment, the partitions each member should own.
 *
 * - `uniform` (Kafka's default): every member gets as close to the same number of partitions as
 *   its subscriptions allow, and keeps the partitions it has wherever that stays balanced, so a
 *   member joining or leaving moves as few partitions as possible.
 * - `range`: per topic, the subscribed members in member id order take consecutive ranges, the
 *   first ones one partition more when the count does not divide evenly (co-partitioned topics
 *   land on the same members).
 */

/** topic id → partitions. */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Ids of the subscribed topics that exist. */
  subscribedTopicIds: Set<string>;
  /** What the group's current target gives the member (kept where it can be). */
  currentAssignment: Assignment;
}

export interface ConsumerGroupAssignor {
  readonly name: string;
  /** `topics`: id → partition count of every subscribed topic. */
  assign(members: AssignorMember[], topics: Map<string, number>): Map<string, Assignment>;
}

export const uniformAssignor: ConsumerGroupAssignor = {
  name: "uniform",
  assign(members, topics) {
    const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
    const counts = new Map<string, number>(members.map((m) => [m.memberId, 0]));
    const sorted = [...members].sort((a, b) => compare(a.memberId, b.memberId));
    const unassigned: [string, number][] = [];
    for (const [topicId, partitions] of [...topics].sort(([a], [b]) => compare(a, b))) {
      const subscribers = sorted.filter((m) => m.subscribedTopicIds.has(topicId));
      if (subscribers.length === 0) continue;
      for (let p = 0; p < partitions; p++) {
        // Keep a partition with its current owner while that owner is under its fair share.
        const owner = subscribers.find((m) => m.currentAssignment.get(topicId)?.has(p));
        if (owner && counts.get(owner.memberId)! < fairShare(owner, sorted, topics)) add(result, counts, owner.memberId, topicId, p);
        else unassigned.push([topicId, p]);
      }
    }
    for (const [topicId, p] of unassigned) {
      // To the subscribed member with the fewest partitions; among those, its current owner, else
      // the smallest member id.
      let best: AssignorMember | undefined;
      for (const m of sorted) {
        if (!m.subscribedTopicIds.has(topicId)) continue;
        const fewer = best === undefined || counts.get(m.memberId)! < counts.get(best.memberId)!;
        const tieToOwner = best !== undefined && counts.get(m.memberId) === counts.get(best.memberId) && m.currentAssignment.get(topicId)?.has(p);
        if (fewer || tieToOwner) best = m;
      }
      if (best) add(result, counts, best.memberId, topicId, p);
    }
    return result;
  },
};

export const rangeAssignor: ConsumerGroupAssignor = {
  name: "range",
  assign(members, topics) {
    const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
    const sorted = [...members].sort((a, b) => compare(a.memberId, b.memberId));
    for (const [topicId, partitions] of topics) {
      const subscribers = sorted.filter((m) => m.subscribedTopicIds.has(topicId));
      if (subscribers.length === 0) continue;
      const per = Math.floor(partitions / subscribers.length);
      const extra = partitions % subscribers.length;
      let next = 0;
      subscribers.forEach((m, i) => {
        const count = per + (i < extra ? 1 : 0);
        if (count === 0) return;
        const set = new Set<number>();
        for (let p = next; p < next + count; p++) set.add(p);
        result.get(m.memberId)!.set(topicId, set);
        next += count;
      });
    }
    return result;
  },
};

export const ASSIGNORS: readonly ConsumerGroupAssignor[] = [uniformAssignor, rangeAssignor];

/**
 * What a member may keep before the rest is spread: the partitions of its topics divided among
 * the members subscribed to them, rounded down (the remainder goes to the least loaded).
 */
function fairShare(member: AssignorMember, members: AssignorMember[], topics: Map<string, number>): number {
  let share = 0;
  for (const topicId of member.subscribedTopicIds) {
    const partitions = topics.get(topicId) ?? 0;
    const subscribers = members.filter((m) => m.subscribedTopicIds.has(topicId)).length;
    share += partitions / subscribers;
  }
  return Math.floor(share);
}

function add(result: Map<string, Assignment>, counts: Map<string, number>, memberId: string, topicId: string, partition: number): void {
  const assignment = result.get(memberId)!;
  if (!assignment.has(topicId)) assignment.set(topicId, new Set());
  assignment.get(topicId)!.add(partition);
  counts.set(memberId, counts.get(memberId)! + 1);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
