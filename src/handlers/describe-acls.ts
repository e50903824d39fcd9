import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_ACLS_REQUEST, decodeDescribeAclsRequest } from "../protocol/generated/describe-acls-request.ts";
import { type DescribeAclsResource, type DescribeAclsResponse, encodeDescribeAclsResponse } from "../protocol/generated/describe-acls-response.ts";
import { AclOperation, aclFilter, invalidFilter } from "../security/acl.ts";
import { aclApiRefusal } from "./acl-api-refusal.ts";

/** The ACLs matching a filter, grouped by resource pattern. */
export const describeAcls = defineApi(
  "DescribeAcls",
  DESCRIBE_ACLS_REQUEST,
  [0, 3],
  decodeDescribeAclsRequest,
  encodeDescribeAclsResponse,
  (ctx, req): DescribeAclsResponse => {
    const acls = ctx.broker.security.acls;
    const filter = aclFilter(req);
    const invalid = invalidFilter(filter);
    const refusal = aclApiRefusal(ctx, AclOperation.DESCRIBE) ?? (invalid ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid } : undefined);
    if (refusal || !acls) return { throttleTimeMs: 0, ...refusal!, resources: [] };
    const resources = new Map<string, DescribeAclsResource>();
    for (const [, acl] of acls.matching(filter)) {
      const key = `${acl.resourceType}\u0000${acl.patternType}\u0000${acl.resourceName}`;
      let resource = resources.get(key);
      if (!resource) {
        resource = { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, acls: [] };
        resources.set(key, resource);
      }
      resource.acls.push({ principal: acl.principal, host: acl.host, operation: acl.operation, permissionType: acl.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...resources.values()] };
  },
);
