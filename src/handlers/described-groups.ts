/**
 * ConsumerGroupDescribe and ShareGroupDescribe answer the same way: each group DESCRIBE-authorized,
 * described by its coordinator, or GROUP_ID_NOT_FOUND when it is not a group of that type.
 */
import type { RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperationsIf } from "./authorized-operations.ts";

export interface ModernGroupDescription<M> {
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: M[];
}

export function describedGroups<M>(
  ctx: RequestContext,
  req: { groupIds: string[]; includeAuthorizedOperations: boolean },
  describe: (groupId: string) => ModernGroupDescription<M> | undefined,
) {
  return req.groupIds.map((groupId) => {
    const allowed = ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
    const g = allowed ? describe(groupId) : undefined;
    const errorCode = !allowed ? ErrorCode.GROUP_AUTHORIZATION_FAILED : g ? ErrorCode.NONE : groupId === "" ? ErrorCode.INVALID_GROUP_ID : ErrorCode.GROUP_ID_NOT_FOUND;
    return {
      errorCode,
      errorMessage: allowed && !g ? `Group ${groupId} not found.` : null,
      groupId,
      groupState: g?.state ?? "Dead",
      groupEpoch: g?.groupEpoch ?? -1,
      assignmentEpoch: g?.assignmentEpoch ?? -1,
      assignorName: g?.assignorName ?? "",
      members: g?.members ?? [],
      authorizedOperations: g ? authorizedOperationsIf(req.includeAuthorizedOperations, ctx, "GROUP", groupId) : AUTHORIZED_OPERATIONS_OMITTED,
    };
  });
}
