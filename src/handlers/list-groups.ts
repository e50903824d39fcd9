import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { LIST_GROUPS_REQUEST, decodeListGroupsRequest } from "../protocol/generated/list-groups-request.ts";
import { type ListGroupsResponse, encodeListGroupsResponse } from "../protocol/generated/list-groups-response.ts";
import { AclOperation, CLUSTER_NAME, ResourceType } from "../security/acl.ts";

/**
 * Classic groups (JoinGroup/SyncGroup), KIP-848 consumer groups and KIP-932 share groups, with Kafka's group types and
 * states. Filters (v4+ states, v5+ types) match case-insensitively, as Kafka's do; empty means all.
 */
export const listGroups = defineApi(
  "ListGroups",
  LIST_GROUPS_REQUEST,
  [0, 5],
  decodeListGroupsRequest,
  encodeListGroupsResponse,
  (ctx, req): ListGroupsResponse => {
    const states = new Set((req.statesFilter ?? []).map((s) => s.toLowerCase()));
    const types = new Set((req.typesFilter ?? []).map((t) => t.toLowerCase()));
    const groups = [
      ...ctx.broker.groupCoordinator.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: "classic" })),
      // Kafka reports the protocol type of a consumer group as "consumer".
      ...ctx.broker.consumerGroups.listGroups().map((g) => ({ groupId: g.groupId, protocolType: "consumer", groupState: g.state, groupType: "consumer" })),
      ...ctx.broker.shareGroups.listGroups().map((g) => ({ groupId: g.groupId, protocolType: "share", groupState: g.state, groupType: "share" })),
    ];
    // Describe on the cluster shows every group; otherwise only the groups the principal may describe.
    const everyGroup = ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.filter(
        (g) =>
          (states.size === 0 || states.has(g.groupState.toLowerCase())) &&
          (types.size === 0 || types.has(g.groupType)) &&
          (everyGroup || ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId)),
      ),
    };
  },
);
