import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { JOIN_GROUP_REQUEST, decodeJoinGroupRequest } from "../protocol/generated/join-group-request.ts";
import { type JoinGroupResponse, encodeJoinGroupResponse } from "../protocol/generated/join-group-response.ts";
import { mayReadGroup } from "./resource-access.ts";

/** Answered when the group's rebalance completes (or at once with an error or MEMBER_ID_REQUIRED). */
export const joinGroup = defineApi(
  "JoinGroup",
  JOIN_GROUP_REQUEST,
  [0, 9],
  decodeJoinGroupRequest,
  encodeJoinGroupResponse,
  async (ctx, req): Promise<JoinGroupResponse> => {
    if (!mayReadGroup(ctx, req.groupId)) {
      const protocolName = ctx.apiVersion >= 7 ? null : "";
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null, protocolName, leader: "", memberId: req.memberId, members: [] };
    }
    const result = await ctx.broker.groupCoordinator.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      clientId: ctx.header.clientId ?? "",
      clientHost: clientHostOf(ctx),
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout; Kafka waits the session timeout instead.
      rebalanceTimeoutMs: ctx.apiVersion >= 1 ? req.rebalanceTimeoutMs! : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      // Copies: the request buffer is not kept, the group keeps these for the next generations.
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata.slice() })),
      requireKnownMemberId: ctx.apiVersion >= 4,
    });
    return {
      throttleTimeMs: 0,
      ...result,
      // Before v7 the protocol name is not nullable.
      protocolName: result.protocolName ?? (ctx.apiVersion >= 7 ? null : ""),
    };
  },
);

/** The client's address as Kafka shows it in DescribeGroups: "/127.0.0.1". */
function clientHostOf(ctx: RequestContext): string {
  return `/${ctx.clientHost}`;
}
