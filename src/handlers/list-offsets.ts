import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { LIST_OFFSETS_REQUEST, type ListOffsetsPartition, decodeListOffsetsRequest } from "../protocol/generated/list-offsets-request.ts";
import {
  type ListOffsetsPartitionResponse,
  type ListOffsetsResponse,
  encodeListOffsetsResponse,
} from "../protocol/generated/list-offsets-response.ts";

export const listOffsets = defineApi(
  "ListOffsets",
  LIST_OFFSETS_REQUEST,
  [1, 9],
  decodeListOffsetsRequest,
  encodeListOffsetsResponse,
  async (ctx, req): Promise<ListOffsetsResponse> => ({
    throttleTimeMs: 0,
    topics: await Promise.all(
      req.topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => listOffset(ctx, t.name, p))) })),
    ),
  }),
);

async function listOffset(ctx: RequestContext, topic: string, p: ListOffsetsPartition): Promise<ListOffsetsPartitionResponse> {
  const log = await ctx.broker.partitionLog(topic, p.partitionIndex);
  const answer = (errorCode: number, offset: bigint, timestamp = -1n) => ({
    partitionIndex: p.partitionIndex,
    errorCode,
    timestamp,
    offset,
    leaderEpoch: errorCode === ErrorCode.NONE ? 0 : -1,
  });
  if (!log) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n);
  // The log resolves the special timestamps too: -1 latest, -2 earliest, -3 the largest timestamp.
  const found = await log.offsetForTimestamp(p.timestamp);
  return found ? answer(ErrorCode.NONE, found.offset, found.timestamp) : answer(ErrorCode.NONE, -1n);
}
