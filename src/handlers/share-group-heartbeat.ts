import { defineApi } from "./api.ts";
import { mayReadGroup } from "./resource-access.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { SHARE_GROUP_HEARTBEAT_REQUEST, decodeShareGroupHeartbeatRequest } from "../protocol/generated/share-group-heartbeat-request.ts";
import { type ShareGroupHeartbeatResponse, encodeShareGroupHeartbeatResponse } from "../protocol/generated/share-group-heartbeat-response.ts";

/** KIP-932 membership: join (epoch 0), heartbeat, leave (-1); the answer assigns every partition of the subscribed topics. */
export const shareGroupHeartbeat = defineApi(
  "ShareGroupHeartbeat",
  SHARE_GROUP_HEARTBEAT_REQUEST,
  [0, 0],
  decodeShareGroupHeartbeatRequest,
  encodeShareGroupHeartbeatResponse,
  (ctx, req): ShareGroupHeartbeatResponse => {
    if (!mayReadGroup(ctx, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
    const r = ctx.broker.shareGroups.heartbeat({ ...req, clientId: ctx.header.clientId ?? "", clientHost: `/${ctx.clientHost}` });
    return { throttleTimeMs: 0, ...r, assignment: r.assignment && { topicPartitions: r.assignment } };
  },
);
