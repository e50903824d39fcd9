import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { LEAVE_GROUP_REQUEST, decodeLeaveGroupRequest } from "../protocol/generated/leave-group-request.ts";
import { type LeaveGroupResponse, encodeLeaveGroupResponse } from "../protocol/generated/leave-group-response.ts";
import { mayReadGroup } from "./resource-access.ts";

/** v0–v2 name one member; v3+ a batch, each answered on its own. */
export const leaveGroup = defineApi(
  "LeaveGroup",
  LEAVE_GROUP_REQUEST,
  [0, 5],
  decodeLeaveGroupRequest,
  encodeLeaveGroupResponse,
  (ctx, req): LeaveGroupResponse => {
    const batched = ctx.apiVersion >= 3;
    if (!mayReadGroup(ctx, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const leaving = batched
      ? (req.members ?? []).map((m) => ({ memberId: m.memberId ?? "", groupInstanceId: m.groupInstanceId ?? null }))
      : [{ memberId: req.memberId ?? "", groupInstanceId: null }];
    const result = ctx.broker.groupCoordinator.leaveGroup(req.groupId, leaving);
    if (batched) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    // Without per-member answers, the member's error is the response's.
    const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
  },
);
