import { defineApi, mapInOrder, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { FETCH_REQUEST, type FetchPartition, type FetchRequest, decodeFetchRequest } from "../protocol/generated/fetch-request.ts";
import {
  type FetchResponse,
  type FetchableTopicResponse,
  type PartitionData,
  encodeFetchResponse,
} from "../protocol/generated/fetch-response.ts";
import type { PartitionLog } from "../storage/engine.ts";
import { mayReadTopic } from "./resource-access.ts";
import { waitForAppend } from "./delayed-fetch.ts";
import type { AbortedTransaction } from "../protocol/generated/fetch-response.ts";
import { readBatchHeader } from "../codec/batch-header.ts";
import { batchSpans, batchesBefore, lastOffsetOf } from "../storage/record-batches.ts";

/** Fetch's isolation_level: 0 read_uncommitted (up to the high watermark), 1 read_committed (up to the last stable offset). */
export const READ_COMMITTED = 1;
import { storageErrorCode } from "./storage-errors.ts";
import { clientQuota, recordAndThrottle } from "../quota/throttle.ts";

const EMPTY = new Uint8Array(0);

/**
 * Serves the on-disk batch bytes unchanged from each requested offset. When less than
 * `minBytes` is available the request waits (up to `maxWaitMs`) and is answered the moment
 * any requested partition receives an append.
 */
export const fetch = defineApi(
  "Fetch",
  FETCH_REQUEST,
  [4, 17],
  decodeFetchRequest,
  encodeFetchResponse,
  async (ctx, req): Promise<FetchResponse> => {
    const logs = await resolveLogs(ctx, req);
    const quota = clientQuota(ctx, ctx.broker.quotas.fetch);
    // The request's max_bytes, capped by fetch.max.bytes and by what the client's quota allows in a window.
    const maxBytes = Math.min(req.maxBytes ?? 0x7fffffff, ctx.broker.config.fetchMaxBytes, quota.maxValueInWindow);
    let response = await read(ctx, req, logs, maxBytes);
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    const waitable = [...logs.values()].filter((log): log is PartitionLog => typeof log !== "number");
    while (response.bytes < req.minBytes && Date.now() < deadline && waitable.length > 0) {
      const appended = await waitForAppend(waitable, deadline - Date.now(), ctx.signal);
      if (!appended) break;
      response = await read(ctx, req, logs, maxBytes);
    }
    // Over the quota, Kafka answers with no data: the records are read again once the throttle has passed.
    const throttleTimeMs = recordAndThrottle(ctx, quota, response.bytes);
    if (throttleTimeMs > 0) quota.unrecord(response.bytes, Date.now());
    return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: 0, responses: throttleTimeMs > 0 ? [] : response.topics };
  },
);

type PartitionKey = `${number}:${number}`;

/** Finds each requested partition's log once; unknown ones are absent from the map, unopenable ones map to their error code. */
async function resolveLogs(ctx: RequestContext, req: FetchRequest): Promise<Map<PartitionKey, PartitionLog | number>> {
  const logs = new Map<PartitionKey, PartitionLog | number>();
  for (const [ti, t] of req.topics.entries()) {
    const name = topicName(ctx, t.topic, t.topicId);
    if (name === undefined || !mayReadTopic(ctx, name)) continue;
    for (const [pi, p] of t.partitions.entries()) {
      try {
        const log = await ctx.broker.partitionLog(name, p.partition);
        if (log) logs.set(`${ti}:${pi}`, log);
      } catch (err) {
        logs.set(`${ti}:${pi}`, storageErrorCode(ctx, err));
      }
    }
  }
  return logs;
}

function topicName(ctx: RequestContext, name: string | undefined, topicId: string | undefined): string | undefined {
  if (ctx.apiVersion >= 13) return topicId ? ctx.broker.metadata.topicById(topicId)?.name : undefined;
  return name;
}

/**
 * One budget for the whole response (`maxBytes`), drawn down by every partition in order, so a
 * partition named twice reads against what is left, not afresh.
 */
async function read(ctx: RequestContext, req: FetchRequest, logs: Map<PartitionKey, PartitionLog | number>, maxBytes: number) {
  let budget = maxBytes;
  let bytes = 0;
  const topics: FetchableTopicResponse[] = await mapInOrder([...req.topics.entries()], async ([ti, t]) => {
    const name = topicName(ctx, t.topic, t.topicId);
    // A topic named (not given by id) is refused before it is looked up, so refusal tells nothing of its existence.
    const named = ctx.apiVersion >= 13 ? name : t.topic;
    const absentError =
      named !== undefined && !mayReadTopic(ctx, named)
        ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
        : ctx.apiVersion >= 13 && name === undefined
          ? ErrorCode.UNKNOWN_TOPIC_ID
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return {
      topic: t.topic,
      topicId: t.topicId,
      partitions: await mapInOrder([...t.partitions.entries()], async ([pi, p]) => {
        const log = logs.get(`${ti}:${pi}`);
        if (log === undefined) return errorPartition(p, absentError);
        if (typeof log === "number") return errorPartition(p, log);
        const readCommitted = req.isolationLevel === READ_COMMITTED;
        let lastStableOffset;
        let result;
        try {
          lastStableOffset = await ctx.broker.producerStates.lastStableOffset(log, readCommitted);
          result = await log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, budget), bytes === 0, ctx.readBuffers);
        } catch (err) {
          return errorPartition(p, storageErrorCode(ctx, err), log);
        }
        if (result === "OFFSET_OUT_OF_RANGE") return errorPartition(p, ErrorCode.OFFSET_OUT_OF_RANGE, log);
        const records = readCommitted ? batchesBefore(result.records, lastStableOffset) : result.records;
        budget -= records.length;
        bytes += records.length;
        const data = partitionData(p, ErrorCode.NONE, log, records, lastStableOffset);
        if (readCommitted) data.abortedTransactions = await abortedTransactions(log, p.fetchOffset, records, lastStableOffset);
        return data;
      }),
    };
  });
  return { topics, bytes };
}

/**
 * The aborted transactions a read_committed consumer must skip in what it was sent: those
 * overlapping [fetchOffset, the offset after the last batch sent); null if none.
 */
async function abortedTransactions(log: PartitionLog, fetchOffset: bigint, records: Uint8Array, lastStableOffset: bigint): Promise<AbortedTransaction[] | null> {
  let upperBound = lastStableOffset;
  for (const span of batchSpans(records)) upperBound = lastOffsetOf(readBatchHeader(records, span.position)) + 1n;
  const aborted = await log.collectAbortedTransactions(fetchOffset, upperBound);
  return aborted.length === 0 ? null : aborted.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
}

function partitionData(p: FetchPartition, errorCode: number, log: PartitionLog | undefined, records: Uint8Array, lastStableOffset = log?.highWatermark ?? -1n): PartitionData {
  return {
    partitionIndex: p.partition,
    errorCode,
    highWatermark: log ? log.highWatermark : -1n,
    lastStableOffset,
    logStartOffset: log ? log.logStartOffset : -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records,
  };
}

function errorPartition(p: FetchPartition, errorCode: number, log?: PartitionLog): PartitionData {
  return partitionData(p, errorCode, log, EMPTY);
}
