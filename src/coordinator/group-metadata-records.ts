/**
 * A classic group as Kafka's GroupMetadataKey/GroupMetadataValue record in __consumer_offsets, and
 * back: written when a rebalance completes (and when the group empties), so a restarted broker
 * knows the members, their generation and assignments, and they carry on without rejoining.
 */
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { encodeGroupMetadataKey } from "../protocol/generated/coordinator/group-metadata-key.ts";
import { decodeGroupMetadataValue, encodeGroupMetadataValue } from "../protocol/generated/coordinator/group-metadata-value.ts";
import { GroupMetadata, MemberMetadata } from "./group-metadata.ts";
import type { GroupRecord } from "./group-metadata-manager.ts";

const GROUP_METADATA_KEY_VERSION = 2;
/** Version 3 carries static members' instance ids, as Kafka 2.3+ writes it. */
const GROUP_METADATA_VALUE_VERSION = 3;

export function groupMetadataRecord(group: GroupMetadata): GroupRecord {
  const key = new Writer(64).int16(GROUP_METADATA_KEY_VERSION);
  encodeGroupMetadataKey(key, GROUP_METADATA_KEY_VERSION, { group: group.groupId });
  const value = new Writer(256).int16(GROUP_METADATA_VALUE_VERSION);
  encodeGroupMetadataValue(value, GROUP_METADATA_VALUE_VERSION, {
    protocolType: group.protocolType ?? "",
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.leaderId,
    currentStateTimestamp: BigInt(group.currentStateTimestamp ?? -1),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.metadataFor(group.protocolName ?? ""),
      assignment: m.assignment,
    })),
  });
  return { key: key.finish().slice(), value: value.finish().slice() };
}

/** The group as its last GroupMetadataValue left it: Stable with its members, or Empty; undefined if it has none. */
export function loadClassicGroup(groupId: string, records: GroupRecord[]): GroupMetadata | undefined {
  for (const { key, value } of records) {
    const k = new Reader(key);
    if (k.int16() !== GROUP_METADATA_KEY_VERSION) continue;
    const v = new Reader(value);
    const version = v.int16();
    if (version < 0 || version > 4) continue;
    const stored = decodeGroupMetadataValue(v, version);
    if (v.failed) continue;
    const group = new GroupMetadata(groupId);
    group.generationId = stored.generation;
    group.protocolType = stored.protocolType === "" ? null : stored.protocolType;
    group.protocolName = stored.protocol;
    for (const m of stored.members) {
      const member = new MemberMetadata(
        m.memberId,
        m.groupInstanceId ?? null,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeout ?? m.sessionTimeout,
        m.sessionTimeout,
        stored.protocolType,
        [{ name: stored.protocol ?? "", metadata: m.subscription }],
      );
      member.assignment = m.assignment;
      group.add(member);
    }
    group.leaderId = stored.leader;
    group.state = group.members.size > 0 ? "Stable" : "Empty";
    // Offsets of an Empty group expire counting from when it emptied, across restarts too.
    const since = stored.currentStateTimestamp ?? -1n;
    group.currentStateTimestamp = since >= 0n ? Number(since) : undefined;
    return group;
  }
  return undefined;
}
