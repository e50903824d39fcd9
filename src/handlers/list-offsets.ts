import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { LIST_OFFSETS_REQUEST, type ListOffsetsPartition, decodeListOffsetsRequest } from "../protocol/generated/list-offsets-request.ts";
import {
  type ListOffsetsPartitionResponse,
  type ListOffsetsResponse,
  encodeListOffsetsResponse,
} from "../protocol/generated/list-offsets-response.ts";
import { LATEST_TIMESTAMP } from "../storage/unified-log.ts";
import { READ_COMMITTED } from "./fetch.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { mayDescribeTopic } from "./resource-access.ts";

export const listOffsets = defineApi(
  "ListOffsets",
  LIST_OFFSETS_REQUEST,
  [1, 9],
  decodeListOffsetsRequest,
  encodeListOffsetsResponse,
  async (ctx, req): Promise<ListOffsetsResponse> => ({
    throttleTimeMs: 0,
    topics: await Promise.all(
      req.topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => listOffset(ctx, t.name, p, req.isolationLevel === READ_COMMITTED))) })),
    ),
  }),
);

async function listOffset(ctx: RequestContext, topic: string, p: ListOffsetsPartition, readCommitted: boolean): Promise<ListOffsetsPartitionResponse> {
  const answer = (errorCode: number, offset: bigint, timestamp = -1n) => ({
    partitionIndex: p.partitionIndex,
    errorCode,
    timestamp,
    offset,
    leaderEpoch: errorCode === ErrorCode.NONE ? 0 : -1,
  });
  if (!mayDescribeTopic(ctx, topic)) return answer(ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1n);
  try {
    const log = await ctx.broker.partitionLog(topic, p.partitionIndex);
    if (!log) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n);
    // read_committed consumers start a "latest" position where they can read up to: the last stable offset.
    if (readCommitted && p.timestamp === LATEST_TIMESTAMP) return answer(ErrorCode.NONE, await ctx.broker.producerStates.lastStableOffset(log));
    // The log resolves the special timestamps too: -1 latest, -2 earliest, -3 the largest timestamp.
    const found = await log.offsetForTimestamp(p.timestamp);
    return found ? answer(ErrorCode.NONE, found.offset, found.timestamp) : answer(ErrorCode.NONE, -1n);
  } catch (err) {
    return answer(storageErrorCode(ctx, err), -1n);
  }
}
