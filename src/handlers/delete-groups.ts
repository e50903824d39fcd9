import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DELETE_GROUPS_REQUEST, decodeDeleteGroupsRequest } from "../protocol/generated/delete-groups-request.ts";
import { type DeleteGroupsResponse, encodeDeleteGroupsResponse } from "../protocol/generated/delete-groups-response.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/** Each group is deleted on its own: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP or deleted with its offsets. */
export const deleteGroups = defineApi(
  "DeleteGroups",
  DELETE_GROUPS_REQUEST,
  [0, 2],
  decodeDeleteGroupsRequest,
  encodeDeleteGroupsResponse,
  async (ctx, req): Promise<DeleteGroupsResponse> => {
    const results = [];
    const { consumerGroups, shareGroups, groupCoordinator } = ctx.broker;
    for (const groupId of new Set(req.groupsNames)) {
      const errorCode = !ctx.authorize(AclOperation.DELETE, ResourceType.GROUP, groupId)
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : consumerGroups.has(groupId)
          ? await consumerGroups.deleteGroup(groupId)
          : shareGroups.has(groupId)
            ? await shareGroups.deleteGroup(groupId)
          : await groupCoordinator.deleteGroup(groupId);
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
);
