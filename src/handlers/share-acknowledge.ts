import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { SHARE_ACKNOWLEDGE_REQUEST, decodeShareAcknowledgeRequest } from "../protocol/generated/share-acknowledge-request.ts";
import { ShareErrorCode } from "../coordinator/share-group-coordinator.ts";
import { type ShareAcknowledgeResponse, encodeShareAcknowledgeResponse } from "../protocol/generated/share-acknowledge-response.ts";
import { mayReadGroup, mayReadTopic } from "./resource-access.ts";

/** KIP-932: ACCEPT / RELEASE / REJECT (and GAP) of records the member acquired, within its share session. */
export const shareAcknowledge = defineApi(
  "ShareAcknowledge",
  SHARE_ACKNOWLEDGE_REQUEST,
  [0, 0],
  decodeShareAcknowledgeRequest,
  encodeShareAcknowledgeResponse,
  async (ctx, req): Promise<ShareAcknowledgeResponse> => {
    const groupId = req.groupId ?? "";
    const memberId = req.memberId ?? "";
    const base = { throttleTimeMs: 0, errorMessage: null, responses: [], nodeEndpoints: [] };
    if (!mayReadGroup(ctx, groupId)) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    // Only ShareFetch opens a session.
    const sessionError =
      req.shareSessionEpoch === 0 ? ShareErrorCode.INVALID_SHARE_SESSION_EPOCH : ctx.broker.shareGroups.checkSession(groupId, memberId, req.shareSessionEpoch);
    if (sessionError !== ErrorCode.NONE) return { ...base, errorCode: sessionError };
    const responses = [];
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        const errorCode = await acknowledgePartition(ctx, groupId, memberId, t.topicId, p.partitionIndex, p.acknowledgementBatches);
        partitions.push({ partitionIndex: p.partitionIndex, errorCode, errorMessage: null, currentLeader: { leaderId: ctx.broker.config.nodeId, leaderEpoch: 0 } });
      }
      responses.push({ topicId: t.topicId, partitions });
    }
    return { ...base, errorCode: ErrorCode.NONE, responses };
  },
);

export async function acknowledgePartition(
  ctx: RequestContext,
  groupId: string,
  memberId: string,
  topicId: string,
  partition: number,
  batches: { firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }[],
): Promise<number> {
  if (batches.length === 0) return ErrorCode.NONE;
  const topic = ctx.broker.metadata.topicById(topicId);
  if (topic && !mayReadTopic(ctx, topic.name)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  const log = topic && (await ctx.broker.partitionLog(topic.name, partition));
  if (!log) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return ctx.broker.shareGroups.acknowledge(groupId, memberId, topicId, partition, log.logStartOffset, batches);
}
