import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { CONSUMER_GROUP_DESCRIBE_REQUEST, decodeConsumerGroupDescribeRequest } from "../protocol/generated/consumer-group-describe-request.ts";
import { type ConsumerGroupDescribeResponse, encodeConsumerGroupDescribeResponse } from "../protocol/generated/consumer-group-describe-response.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperationsIf } from "./authorized-operations.ts";

/** A group that is not a KIP-848 consumer group (unknown, or classic) is GROUP_ID_NOT_FOUND, as Kafka answers. */
export const consumerGroupDescribe = defineApi(
  "ConsumerGroupDescribe",
  CONSUMER_GROUP_DESCRIBE_REQUEST,
  [0, 0],
  decodeConsumerGroupDescribeRequest,
  encodeConsumerGroupDescribeResponse,
  (ctx, req): ConsumerGroupDescribeResponse => ({
    throttleTimeMs: 0,
    groups: req.groupIds.map((groupId) => {
      const allowed = ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
      const g = allowed ? ctx.broker.consumerGroups.describe(groupId) : undefined;
      if (!g) {
        return {
          errorCode: !allowed ? ErrorCode.GROUP_AUTHORIZATION_FAILED : groupId === "" ? ErrorCode.INVALID_GROUP_ID : ErrorCode.GROUP_ID_NOT_FOUND,
          errorMessage: allowed ? `Group ${groupId} not found.` : null,
          groupId,
          groupState: "Dead",
          groupEpoch: -1,
          assignmentEpoch: -1,
          assignorName: "",
          members: [],
          authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        };
      }
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupId,
        groupState: g.state,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignorName: g.assignorName,
        members: g.members.map((m) => ({
          ...m,
          assignment: { topicPartitions: m.assignment },
          targetAssignment: { topicPartitions: m.targetAssignment },
        })),
        authorizedOperations: authorizedOperationsIf(req.includeAuthorizedOperations, ctx, "GROUP", groupId),
      };
    }),
  }),
);
