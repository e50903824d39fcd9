import { defineApi, mapInOrder, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DELETE_RECORDS_REQUEST, type DeleteRecordsPartition, decodeDeleteRecordsRequest } from "../protocol/generated/delete-records-request.ts";
import {
  type DeleteRecordsPartitionResult,
  type DeleteRecordsResponse,
  encodeDeleteRecordsResponse,
} from "../protocol/generated/delete-records-response.ts";
import { logConfigFor } from "../broker.ts";
import { hasDeletePolicy } from "../storage/log-config.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/** Kafka's DeleteRecordsRequest.HIGH_WATERMARK: delete up to the high watermark. */
const HIGH_WATERMARK = -1n;

/**
 * Moves each partition's log start offset forward to the offset asked for (-1: the high
 * watermark); the records below it are no longer readable, and the segments wholly below it are
 * deleted by the next retention check. The answer is the new low watermark.
 */
export const deleteRecords = defineApi(
  "DeleteRecords",
  DELETE_RECORDS_REQUEST,
  [0, 2],
  decodeDeleteRecordsRequest,
  encodeDeleteRecordsResponse,
  async (ctx, req): Promise<DeleteRecordsResponse> => ({
    throttleTimeMs: 0,
    topics: await mapInOrder(req.topics, async (t) => ({
      name: t.name,
      partitions: await mapInOrder(t.partitions, (p) => deletePartition(ctx, t.name, p)),
    })),
  }),
);

async function deletePartition(ctx: RequestContext, topic: string, p: DeleteRecordsPartition): Promise<DeleteRecordsPartitionResult> {
  const answer = (errorCode: number, lowWatermark = -1n) => ({ partitionIndex: p.partitionIndex, lowWatermark, errorCode });
  if (!ctx.authorize(AclOperation.DELETE, ResourceType.TOPIC, topic)) return answer(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const log = await ctx.broker.partitionLog(topic, p.partitionIndex);
  if (!log) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // As Kafka: a compacted topic's records are removed by the cleaner only.
  if (!hasDeletePolicy(logConfigFor(ctx.broker.config, ctx.broker.metadata, topic))) return answer(ErrorCode.POLICY_VIOLATION);
  const offset = p.offset === HIGH_WATERMARK ? log.highWatermark : p.offset;
  if (offset < 0n || offset > log.highWatermark) return answer(ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    return answer(ErrorCode.NONE, await log.maybeIncrementLogStartOffset(offset));
  } catch (err) {
    return answer(storageErrorCode(ctx, err));
  }
}
