import { randomUUID } from "node:crypto";
import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { CREATE_ACLS_REQUEST, decodeCreateAclsRequest } from "../protocol/generated/create-acls-request.ts";
import { type AclCreationResult, type CreateAclsResponse, encodeCreateAclsResponse } from "../protocol/generated/create-acls-response.ts";
import type { MetadataRecord } from "../storage/metadata-records.ts";
import { type AclBinding, AclOperation, PatternType, invalidAcl } from "../security/acl.ts";
import { aclApiRefusal } from "./acl-api-refusal.ts";

/** Adds ACLs as AccessControlEntryRecords (one batch); an ACL that already exists is not added twice. */
export const createAcls = defineApi(
  "CreateAcls",
  CREATE_ACLS_REQUEST,
  [0, 3],
  decodeCreateAclsRequest,
  encodeCreateAclsResponse,
  async (ctx, req): Promise<CreateAclsResponse> => {
    const acls = ctx.broker.security.acls;
    const refusal = aclApiRefusal(ctx, AclOperation.ALTER);
    if (refusal || !acls) return { throttleTimeMs: 0, results: req.creations.map(() => refusal!) };
    const records: MetadataRecord[] = [];
    const results = req.creations.map((c): AclCreationResult => {
      const acl: AclBinding = {
        resourceType: c.resourceType,
        resourceName: c.resourceName,
        patternType: c.resourcePatternType ?? PatternType.LITERAL,
        principal: c.principal,
        host: c.host,
        operation: c.operation,
        permissionType: c.permissionType,
      };
      const invalid = invalidAcl(acl);
      if (invalid) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid };
      if (acls.idOf(acl) === undefined) records.push({ type: "AccessControlEntryRecord", record: { id: randomUUID(), ...acl } });
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    });
    if (records.length > 0) await ctx.broker.metadata.append(records);
    return { throttleTimeMs: 0, results };
  },
);
