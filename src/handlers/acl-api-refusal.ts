import type { RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { mayOnCluster } from "./resource-access.ts";

/**
 * Why an ACL API cannot be served: no authorizer configured (SECURITY_DISABLED), or the principal
 * lacks `operation` (Alter to change ACLs, Describe to list them) on the cluster; undefined when it can.
 */
export function aclApiRefusal(ctx: RequestContext, operation: number): { errorCode: number; errorMessage: string } | undefined {
  if (!ctx.broker.security.acls) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "No Authorizer is configured." };
  if (!mayOnCluster(ctx, operation)) {
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Cluster authorization failed." };
  }
  return undefined;
}
