import { defineApi } from "./api.ts";
import { CONSUMER_GROUP_DESCRIBE_REQUEST, decodeConsumerGroupDescribeRequest } from "../protocol/generated/consumer-group-describe-request.ts";
import { type ConsumerGroupDescribeResponse, encodeConsumerGroupDescribeResponse } from "../protocol/generated/consumer-group-describe-response.ts";
import { describedGroups } from "./described-groups.ts";

/** A group that is not a KIP-848 consumer group (unknown, or classic) is GROUP_ID_NOT_FOUND, as Kafka answers. */
export const consumerGroupDescribe = defineApi(
  "ConsumerGroupDescribe",
  CONSUMER_GROUP_DESCRIBE_REQUEST,
  [0, 0],
  decodeConsumerGroupDescribeRequest,
  encodeConsumerGroupDescribeResponse,
  (ctx, req): ConsumerGroupDescribeResponse => ({
    throttleTimeMs: 0,
    groups: describedGroups(ctx, req, (groupId) => {
      const g = ctx.broker.consumerGroups.describe(groupId);
      return g && { ...g, members: g.members.map((m) => ({ ...m, assignment: { topicPartitions: m.assignment }, targetAssignment: { topicPartitions: m.targetAssignment } })) };
    }),
  }),
);
