import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_GROUPS_REQUEST, decodeDescribeGroupsRequest } from "../protocol/generated/describe-groups-request.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperationsIf } from "./authorized-operations.ts";
import { type DescribeGroupsResponse, encodeDescribeGroupsResponse } from "../protocol/generated/describe-groups-response.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";


/** An unknown group is described as Dead with no error, as Kafka does up to v5. */
export const describeGroups = defineApi(
  "DescribeGroups",
  DESCRIBE_GROUPS_REQUEST,
  [0, 5],
  decodeDescribeGroupsRequest,
  encodeDescribeGroupsResponse,
  (ctx, req): DescribeGroupsResponse => ({
    throttleTimeMs: 0,
    groups: req.groups.map((groupId) => {
      if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: "", protocolType: "", protocolData: "", members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
      }
      const g = ctx.broker.groupCoordinator.describeGroup(groupId);
      return {
        errorCode: groupId === "" ? ErrorCode.INVALID_GROUP_ID : ErrorCode.NONE,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocol,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: authorizedOperationsIf(req.includeAuthorizedOperations, ctx, "GROUP", groupId),
      };
    }),
  }),
);
