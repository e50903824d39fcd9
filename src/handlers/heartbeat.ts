import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { HEARTBEAT_REQUEST, decodeHeartbeatRequest } from "../protocol/generated/heartbeat-request.ts";
import { type HeartbeatResponse, encodeHeartbeatResponse } from "../protocol/generated/heartbeat-response.ts";
import { mayReadGroup } from "./resource-access.ts";

export const heartbeat = defineApi(
  "Heartbeat",
  HEARTBEAT_REQUEST,
  [0, 4],
  decodeHeartbeatRequest,
  encodeHeartbeatResponse,
  (ctx, req): HeartbeatResponse => ({
    throttleTimeMs: 0,
    errorCode: mayReadGroup(ctx, req.groupId)
      ? ctx.broker.groupCoordinator.heartbeat(req.groupId, req.generationId, req.memberId, req.groupInstanceId ?? null)
      : ErrorCode.GROUP_AUTHORIZATION_FAILED,
  }),
);
