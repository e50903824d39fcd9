import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { OFFSET_COMMIT_REQUEST, type OffsetCommitRequestPartition, decodeOffsetCommitRequest } from "../protocol/generated/offset-commit-request.ts";
import { type OffsetCommitResponse, encodeOffsetCommitResponse } from "../protocol/generated/offset-commit-response.ts";
import type { TopicPartitionOffset } from "../coordinator/group-metadata-manager.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { mayReadGroup, mayReadTopic } from "./resource-access.ts";

/** offset.metadata.max.bytes */
const MAX_METADATA_LENGTH = 4096;

/**
 * Partitions of unknown topics and oversized metadata are refused one by one; the rest are
 * committed together (one record batch in __consumer_offsets) or refused together when the
 * committer is not a current member of the group.
 */
export const offsetCommit = defineApi(
  "OffsetCommit",
  OFFSET_COMMIT_REQUEST,
  [0, 9],
  decodeOffsetCommitRequest,
  encodeOffsetCommitResponse,
  async (ctx, req): Promise<OffsetCommitResponse> => {
    const now = BigInt(Date.now());
    const partitionErrors = new Map<OffsetCommitRequestPartition, number>();
    const offsets: TopicPartitionOffset[] = [];
    const groupRefused = !mayReadGroup(ctx, req.groupId);
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const error = groupRefused ? ErrorCode.GROUP_AUTHORIZATION_FAILED : partitionError(ctx, t.name, p);
        if (error !== ErrorCode.NONE) partitionErrors.set(p, error);
        else offsets.push(offsetOf(t.name, p, now));
      }
    }
    let commitError: number = ErrorCode.NONE;
    try {
      if (offsets.length > 0) {
        commitError = ctx.broker.consumerGroups.has(req.groupId)
          ? await ctx.broker.consumerGroups.commitOffsets(req.groupId, req.memberId ?? "", req.generationIdOrMemberEpoch ?? -1, ctx.apiVersion, offsets)
          : await ctx.broker.groupCoordinator.commitOffsets({
              groupId: req.groupId,
              generationId: req.generationIdOrMemberEpoch ?? -1,
              memberId: req.memberId ?? "",
              groupInstanceId: req.groupInstanceId ?? null,
              offsets,
            });
      }
    } catch (err) {
      // As Kafka's GroupMetadataManager: __consumer_offsets not writable means "find the coordinator again".
      storageErrorCode(ctx, err);
      commitError = ErrorCode.NOT_COORDINATOR;
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: partitionErrors.get(p) ?? commitError })),
      })),
    };
  },
);

/** Also TxnOffsetCommit's: an unknown partition, or metadata longer than offset.metadata.max.bytes. */
export function partitionError(ctx: RequestContext, topic: string, p: Pick<OffsetCommitRequestPartition, "partitionIndex" | "committedMetadata">): number {
  if (!mayReadTopic(ctx, topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  if (!ctx.broker.metadata.topicByName(topic)?.partitions.has(p.partitionIndex)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (p.committedMetadata !== null && p.committedMetadata.length > MAX_METADATA_LENGTH) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
  return ErrorCode.NONE;
}

function offsetOf(topic: string, p: OffsetCommitRequestPartition, now: bigint): TopicPartitionOffset {
  return {
    topic,
    partition: p.partitionIndex,
    offset: p.committedOffset,
    leaderEpoch: p.committedLeaderEpoch ?? -1,
    metadata: p.committedMetadata ?? "",
    // Only v1 lets the client set the commit time; -1 there means "now" too.
    commitTimestamp: p.commitTimestamp !== undefined && p.commitTimestamp >= 0n ? p.commitTimestamp : now,
  };
}
