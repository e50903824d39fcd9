import { defineApi } from "./api.ts";
import { SHARE_GROUP_DESCRIBE_REQUEST, decodeShareGroupDescribeRequest } from "../protocol/generated/share-group-describe-request.ts";
import { type ShareGroupDescribeResponse, encodeShareGroupDescribeResponse } from "../protocol/generated/share-group-describe-response.ts";
import { describedGroups } from "./described-groups.ts";

/** A group that is not a share group is GROUP_ID_NOT_FOUND. */
export const shareGroupDescribe = defineApi(
  "ShareGroupDescribe",
  SHARE_GROUP_DESCRIBE_REQUEST,
  [0, 0],
  decodeShareGroupDescribeRequest,
  encodeShareGroupDescribeResponse,
  (ctx, req): ShareGroupDescribeResponse => ({
    throttleTimeMs: 0,
    groups: describedGroups(ctx, req, (groupId) => {
      const g = ctx.broker.shareGroups.describe(groupId);
      return g && { ...g, members: g.members.map((m) => ({ ...m, assignment: { topicPartitions: m.assignment } })) };
    }),
  }),
);
