import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { OFFSET_FETCH_REQUEST, decodeOffsetFetchRequest } from "../protocol/generated/offset-fetch-request.ts";
import {
  type OffsetFetchResponse,
  type OffsetFetchResponsePartition,
  type OffsetFetchResponseTopic,
  encodeOffsetFetchResponse,
} from "../protocol/generated/offset-fetch-response.ts";
import type { OffsetAndMetadata } from "../coordinator/group-metadata-manager.ts";

type RequestedTopics = { name?: string; partitionIndexes?: number[] }[] | null | undefined;

/** v0–v7 ask for one group, v8+ for several; null topics (v2+) mean every partition the group committed. */
export const offsetFetch = defineApi(
  "OffsetFetch",
  OFFSET_FETCH_REQUEST,
  [0, 9],
  decodeOffsetFetchRequest,
  encodeOffsetFetchResponse,
  (ctx, req): OffsetFetchResponse => {
    if (ctx.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        groups: (req.groups ?? []).map((g) => {
          const groupId = g.groupId ?? "";
          // v9: a KIP-848 member fetches at its current epoch; a stale one gets no offsets.
          const { consumerGroups } = ctx.broker;
          const errorCode = consumerGroups.has(groupId) ? consumerGroups.validateOffsetFetch(groupId, g.memberId ?? null, g.memberEpoch ?? -1) : ErrorCode.NONE;
          return { groupId, topics: errorCode === ErrorCode.NONE ? committedOffsets(ctx, groupId, g.topics) : [], errorCode };
        }),
      };
    }
    return { throttleTimeMs: 0, topics: committedOffsets(ctx, req.groupId ?? "", req.topics), errorCode: ErrorCode.NONE };
  },
);

function committedOffsets(ctx: RequestContext, groupId: string, topics: RequestedTopics): OffsetFetchResponseTopic[] {
  const requested = topics ? topics.map((t) => ({ name: t.name ?? "", partitions: t.partitionIndexes ?? [] })) : null;
  const found = ctx.broker.groupCoordinator.fetchOffsets(groupId, requested);
  return [...found].map(([name, partitions]) => ({
    name,
    partitions: [...partitions].map(([partitionIndex, committed]) => partitionOffset(partitionIndex, committed)),
  }));
}

/** No commit yet: offset -1 and empty metadata, with no error. */
function partitionOffset(partitionIndex: number, committed: OffsetAndMetadata | undefined): OffsetFetchResponsePartition {
  return {
    partitionIndex,
    committedOffset: committed?.offset ?? -1n,
    committedLeaderEpoch: committed?.leaderEpoch ?? -1,
    metadata: committed?.metadata ?? "",
    errorCode: ErrorCode.NONE,
  };
}
