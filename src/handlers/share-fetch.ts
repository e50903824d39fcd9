import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { SHARE_FETCH_REQUEST, type ShareFetchRequest, decodeShareFetchRequest } from "../protocol/generated/share-fetch-request.ts";
import { type PartitionData, type ShareFetchResponse, encodeShareFetchResponse } from "../protocol/generated/share-fetch-response.ts";
import { readBatchHeader } from "../codec/batch-header.ts";
import { batchSpans, lastOffsetOf } from "../storage/record-batches.ts";
import { OFFSET_OUT_OF_RANGE, type PartitionLog } from "../storage/engine.ts";
import { waitForAppend } from "./delayed-fetch.ts";
import type { AcquiredRecords } from "../coordinator/share-partition.ts";
import { acknowledgePartition } from "./share-acknowledge.ts";
import { mayReadGroup, mayReadTopic } from "./resource-access.ts";

/** The most records one ShareFetch acquires per partition. */
const MAX_RECORDS_PER_PARTITION = 500;

/**
 * KIP-932: acknowledges what the request carries, then acquires available records of each
 * partition for the member (under the record lock) and returns the batches holding them with
 * their offset ranges and delivery counts; with nothing to acquire it waits up to max_wait_ms for
 * an append. Share session epochs as Kafka checks them.
 */
export const shareFetch = defineApi(
  "ShareFetch",
  SHARE_FETCH_REQUEST,
  [0, 0],
  decodeShareFetchRequest,
  encodeShareFetchResponse,
  async (ctx, req): Promise<ShareFetchResponse> => {
    const groupId = req.groupId ?? "";
    const memberId = req.memberId ?? "";
    const base = { throttleTimeMs: 0, errorMessage: null, responses: [], nodeEndpoints: [] };
    if (!mayReadGroup(ctx, groupId)) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const sessionError = ctx.broker.shareGroups.checkSession(groupId, memberId, req.shareSessionEpoch);
    if (sessionError !== ErrorCode.NONE) return { ...base, errorCode: sessionError };
    // Acknowledgements first, once; then acquisition, waiting (up to max_wait_ms) for records to arrive.
    const acknowledgeErrors = new Map<string, number>();
    for (const t of req.topics) {
      for (const p of t.partitions) {
        acknowledgeErrors.set(`${t.topicId}:${p.partitionIndex}`, await acknowledgePartition(ctx, groupId, memberId, t.topicId, p.partitionIndex, p.acknowledgementBatches));
      }
    }
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      const { responses, acquired, logs } = await acquireAll(ctx, req, groupId, memberId, acknowledgeErrors);
      const waitMs = deadline - Date.now();
      // A closing session only acknowledges.
      if (acquired > 0 || req.shareSessionEpoch === -1 || waitMs <= 0 || logs.length === 0 || !(await waitForAppend(logs, waitMs, ctx.signal))) {
        return { ...base, errorCode: ErrorCode.NONE, responses };
      }
    }
  },
);

async function acquireAll(ctx: RequestContext, req: ShareFetchRequest, groupId: string, memberId: string, acknowledgeErrors: Map<string, number>) {
  let budget = req.maxBytes;
  let acquired = 0;
  const logs: PartitionLog[] = [];
  const responses = [];
  for (const t of req.topics) {
    const partitions: PartitionData[] = [];
    for (const p of t.partitions) {
      const data =
        req.shareSessionEpoch === -1
          ? { records: null, acquiredRecords: [], errorCode: ErrorCode.NONE, log: undefined }
          : await acquire(ctx, groupId, memberId, t.topicId, p.partitionIndex, Math.min(p.partitionMaxBytes, budget));
      budget -= data.records?.length ?? 0;
      acquired += data.acquiredRecords.length;
      if (data.log) logs.push(data.log);
      partitions.push({
        partitionIndex: p.partitionIndex,
        errorCode: data.errorCode,
        errorMessage: null,
        acknowledgeErrorCode: acknowledgeErrors.get(`${t.topicId}:${p.partitionIndex}`) ?? ErrorCode.NONE,
        acknowledgeErrorMessage: null,
        currentLeader: { leaderId: ctx.broker.config.nodeId, leaderEpoch: 0 },
        records: data.records,
        acquiredRecords: data.acquiredRecords,
      });
    }
    responses.push({ topicId: t.topicId, partitions });
  }
  return { responses, acquired, logs };
}

/**
 * Reads the log from the partition's first available record (as many bytes as allowed), then
 * acquires the available records among those read: a fetch never locks more than it returns.
 */
async function acquire(ctx: RequestContext, groupId: string, memberId: string, topicId: string, partition: number, maxBytes: number) {
  const topic = ctx.broker.metadata.topicById(topicId);
  if (topic && !mayReadTopic(ctx, topic.name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, records: null, acquiredRecords: [] as AcquiredRecords[], log: undefined };
  const log = topic && (await ctx.broker.partitionLog(topic.name, partition));
  const sharePartition = log && ctx.broker.shareGroups.sharePartition(groupId, topicId, partition, log.logStartOffset);
  if (!log || !sharePartition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, records: null, acquiredRecords: [] as AcquiredRecords[], log: undefined };
  const none = { errorCode: ErrorCode.NONE, records: null, acquiredRecords: [] as AcquiredRecords[], log };
  const from = sharePartition.nextFetchOffset(log.highWatermark);
  if (from === undefined) return none;
  const read = await log.read(from, Math.max(1, maxBytes), true);
  if (read === OFFSET_OUT_OF_RANGE || read.records.length === 0) return none;
  const records = read.records.slice();
  let end = from;
  for (const span of batchSpans(records)) end = lastOffsetOf(readBatchHeader(records, span.position)) + 1n;
  const acquiredRecords = sharePartition.acquire(memberId, end, MAX_RECORDS_PER_PARTITION);
  return acquiredRecords.length === 0 ? none : { errorCode: ErrorCode.NONE, records, acquiredRecords, log };
}
