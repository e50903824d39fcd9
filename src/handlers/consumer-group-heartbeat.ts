import { defineApi } from "./api.ts";
import { mayReadGroup } from "./resource-access.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { CONSUMER_GROUP_HEARTBEAT_REQUEST, decodeConsumerGroupHeartbeatRequest } from "../protocol/generated/consumer-group-heartbeat-request.ts";
import { type ConsumerGroupHeartbeatResponse, encodeConsumerGroupHeartbeatResponse } from "../protocol/generated/consumer-group-heartbeat-response.ts";

/** KIP-848: join, heartbeat and leave in one request; v1 adds topic regexes and client-chosen member ids. */
export const consumerGroupHeartbeat = defineApi(
  "ConsumerGroupHeartbeat",
  CONSUMER_GROUP_HEARTBEAT_REQUEST,
  [0, 1],
  decodeConsumerGroupHeartbeatRequest,
  encodeConsumerGroupHeartbeatResponse,
  async (ctx, req): Promise<ConsumerGroupHeartbeatResponse> => {
    if (!mayReadGroup(ctx, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
    const r = await ctx.broker.consumerGroups.heartbeat({
      apiVersion: ctx.apiVersion,
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex ?? null,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.header.clientId ?? "",
      clientHost: `/${ctx.clientHost}`,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment && { topicPartitions: r.assignment },
    };
  },
);
