import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_CLIENT_QUOTAS_REQUEST, decodeDescribeClientQuotasRequest } from "../protocol/generated/describe-client-quotas-request.ts";
import { type DescribeClientQuotasResponse, encodeDescribeClientQuotasResponse } from "../protocol/generated/describe-client-quotas-response.ts";
import { quotaFilterError } from "../storage/client-quotas.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/** The quota entities matching the filter, with their values; a bad filter is INVALID_REQUEST with null entries. */
export const describeClientQuotas = defineApi(
  "DescribeClientQuotas",
  DESCRIBE_CLIENT_QUOTAS_REQUEST,
  [0, 1],
  decodeDescribeClientQuotasRequest,
  encodeDescribeClientQuotasResponse,
  (ctx, req): DescribeClientQuotasResponse => {
    if (!mayOnCluster(ctx, AclOperation.DESCRIBE_CONFIGS)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entries: null };
    const error = quotaFilterError(req.components);
    if (error) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error, entries: null };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      entries: ctx.broker.metadata.clientQuotas.describe(req.components, req.strict).map((e) => ({
        entity: e.entity,
        values: [...e.values].map(([key, value]) => ({ key, value })),
      })),
    };
  },
);
