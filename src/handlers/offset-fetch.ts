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
import { AclOperation, ResourceType } from "../security/acl.ts";
import { mayDescribeTopic } from "./resource-access.ts";

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
          return { groupId, ...(errorCode === ErrorCode.NONE ? groupOffsets(ctx, groupId, g.topics, req.requireStable ?? false) : { topics: [], errorCode }) };
        }),
      };
    }
    return { throttleTimeMs: 0, ...groupOffsets(ctx, req.groupId ?? "", req.topics, req.requireStable ?? false) };
  },
);

/**
 * Needs Describe on the group; topics the principal may not describe are refused (named) or left
 * out (all). With require_stable (v7+), a partition whose offset an open transaction is committing
 * answers UNSTABLE_OFFSET_COMMIT, so the consumer waits for the transaction to end.
 */
function groupOffsets(ctx: RequestContext, groupId: string, topics: RequestedTopics, requireStable: boolean): { topics: OffsetFetchResponseTopic[]; errorCode: number } {
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  const requested = topics ? topics.map((t) => ({ name: t.name ?? "", partitions: t.partitionIndexes ?? [] })) : null;
  const allowed = requested?.filter((t) => mayDescribeTopic(ctx, t.name)) ?? null;
  const { groupCoordinator } = ctx.broker;
  const found = groupCoordinator.fetchOffsets(groupId, allowed);
  const answered = [...found]
    .filter(([name]) => requested !== null || mayDescribeTopic(ctx, name))
    .map(([name, partitions]) => ({
      name,
      partitions: [...partitions].map(([partitionIndex, committed]) =>
        partitionOffset(partitionIndex, committed, requireStable && groupCoordinator.hasPendingOffset(groupId, name, partitionIndex)),
      ),
    }));
  const refused = (requested ?? [])
    .filter((t) => !mayDescribeTopic(ctx, t.name))
    .map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => ({ ...partitionOffset(partitionIndex, undefined, false), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
    }));
  return { topics: [...answered, ...refused], errorCode: ErrorCode.NONE };
}

/** No commit yet: offset -1 and empty metadata, with no error. */
function partitionOffset(partitionIndex: number, committed: OffsetAndMetadata | undefined, unstable: boolean): OffsetFetchResponsePartition {
  return {
    partitionIndex,
    committedOffset: unstable ? -1n : (committed?.offset ?? -1n),
    committedLeaderEpoch: unstable ? -1 : (committed?.leaderEpoch ?? -1),
    metadata: unstable ? "" : (committed?.metadata ?? ""),
    errorCode: unstable ? ErrorCode.UNSTABLE_OFFSET_COMMIT : ErrorCode.NONE,
  };
}
