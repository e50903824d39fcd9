import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { SYNC_GROUP_REQUEST, decodeSyncGroupRequest } from "../protocol/generated/sync-group-request.ts";
import { type SyncGroupResponse, encodeSyncGroupResponse } from "../protocol/generated/sync-group-response.ts";
import { mayReadGroup } from "./resource-access.ts";

/** The leader's SyncGroup carries everyone's assignment; the followers' wait for it. */
export const syncGroup = defineApi(
  "SyncGroup",
  SYNC_GROUP_REQUEST,
  [0, 5],
  decodeSyncGroupRequest,
  encodeSyncGroupResponse,
  async (ctx, req): Promise<SyncGroupResponse> => {
    if (!mayReadGroup(ctx, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
    }
    const result = await ctx.broker.groupCoordinator.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      protocolType: req.protocolType ?? null,
      protocolName: req.protocolName ?? null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment.slice() })),
    });
    return { throttleTimeMs: 0, ...result };
  },
);
