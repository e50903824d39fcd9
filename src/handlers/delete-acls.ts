import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DELETE_ACLS_REQUEST, decodeDeleteAclsRequest } from "../protocol/generated/delete-acls-request.ts";
import { type DeleteAclsFilterResult, type DeleteAclsResponse, encodeDeleteAclsResponse } from "../protocol/generated/delete-acls-response.ts";
import type { MetadataRecord } from "../storage/metadata-records.ts";
import { AclOperation, aclFilter, invalidFilter } from "../security/acl.ts";
import { aclApiRefusal } from "./acl-api-refusal.ts";

/** Removes the ACLs each filter matches, as RemoveAccessControlEntryRecords in one batch. */
export const deleteAcls = defineApi(
  "DeleteAcls",
  DELETE_ACLS_REQUEST,
  [0, 3],
  decodeDeleteAclsRequest,
  encodeDeleteAclsResponse,
  async (ctx, req): Promise<DeleteAclsResponse> => {
    const acls = ctx.broker.security.acls;
    const refuse = (errorCode: number, errorMessage: string): DeleteAclsFilterResult => ({ errorCode, errorMessage, matchingAcls: [] });
    const refusal = aclApiRefusal(ctx, AclOperation.ALTER);
    if (refusal || !acls) return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ ...refusal!, matchingAcls: [] })) };
    const removed = new Map<string, MetadataRecord>();
    const filterResults = req.filters.map((f): DeleteAclsFilterResult => {
      const filter = aclFilter(f);
      const invalid = invalidFilter(filter);
      if (invalid) return refuse(ErrorCode.INVALID_REQUEST, invalid);
      const matchingAcls = acls.matching(filter).map(([id, acl]) => {
        removed.set(id, { type: "RemoveAccessControlEntryRecord", record: { id } });
        return { errorCode: ErrorCode.NONE, errorMessage: null, ...acl };
      });
      return { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls };
    });
    if (removed.size > 0) await ctx.broker.metadata.append([...removed.values()]);
    return { throttleTimeMs: 0, filterResults };
  },
);
