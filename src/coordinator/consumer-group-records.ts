/**
 * A KIP-848 consumer group as Kafka's ConsumerGroup* coordinator records in __consumer_offsets,
 * and back: the group epoch, the subscription metadata, each member's subscription, target
 * assignment and current assignment, and the target assignment's epoch.
 */
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import * as currentKey from "../protocol/generated/coordinator/consumer-group-current-member-assignment-key.ts";
import * as currentValue from "../protocol/generated/coordinator/consumer-group-current-member-assignment-value.ts";
import * as memberKey from "../protocol/generated/coordinator/consumer-group-member-metadata-key.ts";
import * as memberValue from "../protocol/generated/coordinator/consumer-group-member-metadata-value.ts";
import * as groupKey from "../protocol/generated/coordinator/consumer-group-metadata-key.ts";
import * as groupValue from "../protocol/generated/coordinator/consumer-group-metadata-value.ts";
import * as partitionKey from "../protocol/generated/coordinator/consumer-group-partition-metadata-key.ts";
import * as partitionValue from "../protocol/generated/coordinator/consumer-group-partition-metadata-value.ts";
import * as targetMemberKey from "../protocol/generated/coordinator/consumer-group-target-assignment-member-key.ts";
import * as targetMemberValue from "../protocol/generated/coordinator/consumer-group-target-assignment-member-value.ts";
import * as targetKey from "../protocol/generated/coordinator/consumer-group-target-assignment-metadata-key.ts";
import * as targetValue from "../protocol/generated/coordinator/consumer-group-target-assignment-metadata-value.ts";
import type { Assignment } from "./assignors.ts";
import { ConsumerGroup, type ConsumerGroupMember, type MemberState, type MemberSubscription } from "./consumer-group.ts";
import type { GroupRecord } from "./group-metadata-manager.ts";

/** The key versions (record types) of Kafka's ConsumerGroup* records. */
const GROUP_METADATA = 3;
const PARTITION_METADATA = 4;
const MEMBER_METADATA = 5;
const TARGET_ASSIGNMENT_METADATA = 6;
const TARGET_ASSIGNMENT_MEMBER = 7;
const CURRENT_MEMBER_ASSIGNMENT = 8;

export function isConsumerGroupRecord(keyVersion: number): boolean {
  return keyVersion >= GROUP_METADATA && keyVersion <= CURRENT_MEMBER_ASSIGNMENT;
}

function record<K, V>(
  keyVersion: number,
  encodeKey: (w: Writer, version: number, k: K) => void,
  k: K,
  encodeValue: (w: Writer, version: number, v: V) => void,
  v: V,
): GroupRecord {
  const kw = new Writer(64).int16(keyVersion);
  encodeKey(kw, keyVersion, k);
  const vw = new Writer(64).int16(0);
  encodeValue(vw, 0, v);
  return { key: kw.finish().slice(), value: vw.finish().slice() };
}

const toTopicPartitions = (a: Assignment) => [...a].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((x, y) => x - y) }));
const fromTopicPartitions = (tps: { topicId: string; partitions: number[] }[]): Assignment => new Map(tps.map((tp) => [tp.topicId, new Set(tp.partitions)]));

/** Every record that describes the group now. */
export function consumerGroupRecords(group: ConsumerGroup): GroupRecord[] {
  const groupId = group.groupId;
  const records = [
    record(GROUP_METADATA, groupKey.encodeConsumerGroupMetadataKey, { groupId }, groupValue.encodeConsumerGroupMetadataValue, { epoch: group.groupEpoch }),
    record(PARTITION_METADATA, partitionKey.encodeConsumerGroupPartitionMetadataKey, { groupId }, partitionValue.encodeConsumerGroupPartitionMetadataValue, {
      topics: [...group.subscriptionMetadata].map(([topicName, t]) => ({ topicId: t.topicId, topicName, numPartitions: t.numPartitions, partitionMetadata: [] })),
    }),
    record(TARGET_ASSIGNMENT_METADATA, targetKey.encodeConsumerGroupTargetAssignmentMetadataKey, { groupId }, targetValue.encodeConsumerGroupTargetAssignmentMetadataValue, {
      assignmentEpoch: group.assignmentEpoch,
    }),
  ];
  for (const m of group.members.values()) {
    const key = { groupId, memberId: m.memberId };
    records.push(
      record(MEMBER_METADATA, memberKey.encodeConsumerGroupMemberMetadataKey, key, memberValue.encodeConsumerGroupMemberMetadataValue, {
        ...subscriptionOf(m),
        classicMemberMetadata: null,
      }),
      record(CURRENT_MEMBER_ASSIGNMENT, currentKey.encodeConsumerGroupCurrentMemberAssignmentKey, key, currentValue.encodeConsumerGroupCurrentMemberAssignmentValue, {
        memberEpoch: m.memberEpoch,
        previousMemberEpoch: m.previousMemberEpoch,
        state: m.state,
        assignedPartitions: toTopicPartitions(m.assignedPartitions),
        partitionsPendingRevocation: toTopicPartitions(m.partitionsPendingRevocation),
      }),
    );
  }
  for (const [memberId, assignment] of group.targetAssignment) {
    records.push(
      record(TARGET_ASSIGNMENT_MEMBER, targetMemberKey.encodeConsumerGroupTargetAssignmentMemberKey, { groupId, memberId }, targetMemberValue.encodeConsumerGroupTargetAssignmentMemberValue, {
        topicPartitions: toTopicPartitions(assignment),
      }),
    );
  }
  return records;
}

function subscriptionOf(m: ConsumerGroupMember): MemberSubscription {
  const { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor } = m;
  return { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor };
}

/** Rebuilds the group from its records; undefined when none of them is a consumer group's. */
export function loadConsumerGroup(groupId: string, records: GroupRecord[]): ConsumerGroup | undefined {
  const group = new ConsumerGroup(groupId);
  const members = new Map<string, Partial<ConsumerGroupMember>>();
  const member = (memberId: string) => members.get(memberId) ?? members.set(memberId, { memberId }).get(memberId)!;
  let found = false;
  for (const { key, value } of records) {
    const k = new Reader(key);
    const keyVersion = k.int16();
    if (!isConsumerGroupRecord(keyVersion)) continue;
    found = true;
    const v = new Reader(value);
    const valueVersion = v.int16();
    switch (keyVersion) {
      case GROUP_METADATA:
        group.groupEpoch = groupValue.decodeConsumerGroupMetadataValue(v, valueVersion).epoch;
        break;
      case PARTITION_METADATA:
        group.subscriptionMetadata = new Map(
          partitionValue.decodeConsumerGroupPartitionMetadataValue(v, valueVersion).topics.map((t) => [t.topicName, { topicId: t.topicId, numPartitions: t.numPartitions }]),
        );
        break;
      case TARGET_ASSIGNMENT_METADATA:
        group.assignmentEpoch = targetValue.decodeConsumerGroupTargetAssignmentMetadataValue(v, valueVersion).assignmentEpoch;
        break;
      case MEMBER_METADATA: {
        const { memberId } = memberKey.decodeConsumerGroupMemberMetadataKey(k, keyVersion);
        const { classicMemberMetadata: _classic, ...subscription } = memberValue.decodeConsumerGroupMemberMetadataValue(v, valueVersion);
        Object.assign(member(memberId), subscription);
        break;
      }
      case CURRENT_MEMBER_ASSIGNMENT: {
        const { memberId } = currentKey.decodeConsumerGroupCurrentMemberAssignmentKey(k, keyVersion);
        const a = currentValue.decodeConsumerGroupCurrentMemberAssignmentValue(v, valueVersion);
        Object.assign(member(memberId), {
          memberEpoch: a.memberEpoch,
          previousMemberEpoch: a.previousMemberEpoch,
          state: a.state as MemberState,
          assignedPartitions: fromTopicPartitions(a.assignedPartitions),
          partitionsPendingRevocation: fromTopicPartitions(a.partitionsPendingRevocation),
        });
        break;
      }
      case TARGET_ASSIGNMENT_MEMBER: {
        const { memberId } = targetMemberKey.decodeConsumerGroupTargetAssignmentMemberKey(k, keyVersion);
        group.targetAssignment.set(memberId, fromTopicPartitions(targetMemberValue.decodeConsumerGroupTargetAssignmentMemberValue(v, valueVersion).topicPartitions));
        break;
      }
    }
  }
  if (!found) return undefined;
  // A member needs both its subscription and its assignment; a half-written one is dropped.
  for (const m of members.values()) {
    if (m.clientId !== undefined && m.memberEpoch !== undefined) group.members.set(m.memberId!, m as ConsumerGroupMember);
  }
  for (const memberId of group.targetAssignment.keys()) if (!group.members.has(memberId)) group.targetAssignment.delete(memberId);
  return group;
}
