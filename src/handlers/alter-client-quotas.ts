import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ALTER_CLIENT_QUOTAS_REQUEST, decodeAlterClientQuotasRequest } from "../protocol/generated/alter-client-quotas-request.ts";
import { type AlterClientQuotasResponse, encodeAlterClientQuotasResponse } from "../protocol/generated/alter-client-quotas-response.ts";
import type { ClientQuotaRecord } from "../protocol/generated/metadata/client-quota-record.ts";
import { quotaEntityError, quotaValueError } from "../storage/client-quotas.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/**
 * Each entity is validated on its own (INVALID_REQUEST with Kafka's reason); the valid ones'
 * changes are one ClientQuotaRecord per key, written to the metadata log in one batch unless
 * validate_only.
 */
export const alterClientQuotas = defineApi(
  "AlterClientQuotas",
  ALTER_CLIENT_QUOTAS_REQUEST,
  [0, 1],
  decodeAlterClientQuotasRequest,
  encodeAlterClientQuotasResponse,
  async (ctx, req): Promise<AlterClientQuotasResponse> => {
    if (!mayOnCluster(ctx, AclOperation.ALTER_CONFIGS)) {
      return { throttleTimeMs: 0, entries: req.entries.map((e) => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entity: e.entity })) };
    }
    const records: ClientQuotaRecord[] = [];
    const entries = req.entries.map((e) => {
      const error =
        quotaEntityError(e.entity) ??
        e.ops.map((op) => quotaValueError(e.entity, op.key, op.value, op.remove)).find((m) => m !== undefined) ??
        (new Set(e.ops.map((op) => op.key)).size !== e.ops.length ? "Duplicate quota key in one alteration" : undefined);
      if (error === undefined) for (const op of e.ops) records.push({ entity: e.entity, key: op.key, value: op.value, remove: op.remove });
      return { errorCode: error ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE, errorMessage: error ?? null, entity: e.entity };
    });
    if (!req.validateOnly) await ctx.broker.metadata.alterClientQuotas(records);
    return { throttleTimeMs: 0, entries };
  },
);
