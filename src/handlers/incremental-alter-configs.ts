import { AclOperation } from "../security/acl.ts";
import { defineApi, mapInOrder } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  type AlterableConfig,
  INCREMENTAL_ALTER_CONFIGS_REQUEST,
  decodeIncrementalAlterConfigsRequest,
} from "../protocol/generated/incremental-alter-configs-request.ts";
import { type IncrementalAlterConfigsResponse, encodeIncrementalAlterConfigsResponse } from "../protocol/generated/incremental-alter-configs-response.ts";
import { ConfigException, ConfigType } from "../config-def.ts";
import { TOPIC_CONFIG_BY_NAME } from "../storage/log-config.ts";
import { InvalidRequest, alterResourceConfigs, duplicateNames, resolveConfigResource } from "./config-resources.ts";

/** AlterConfigOp.OpType */
const enum OpType {
  SET = 0,
  DELETE = 1,
  APPEND = 2,
  SUBTRACT = 3,
}

/** Changes some of a resource's overrides: SET or DELETE one, APPEND to or SUBTRACT from a list (starting from its default). */
export const incrementalAlterConfigs = defineApi(
  "IncrementalAlterConfigs",
  INCREMENTAL_ALTER_CONFIGS_REQUEST,
  [0, 1],
  decodeIncrementalAlterConfigsRequest,
  encodeIncrementalAlterConfigsResponse,
  async (ctx, req): Promise<IncrementalAlterConfigsResponse> => ({
    throttleTimeMs: 0,
    responses: await mapInOrder(req.resources, async (r) => {
      const answer = { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: ErrorCode.NONE, errorMessage: null };
      const resource = resolveConfigResource(ctx, r.resourceType, r.resourceName, AclOperation.ALTER_CONFIGS);
      if ("errorCode" in resource) return { ...answer, ...resource };
      const error = await alterResourceConfigs(ctx.broker, resource, (current) => apply(current, r.configs), req.validateOnly);
      return { ...answer, ...error };
    }),
  }),
);

function apply(current: ReadonlyMap<string, string>, ops: AlterableConfig[]): Map<string, string> {
  const duplicates = duplicateNames(ops.map((op) => op.name));
  if (duplicates.length > 0) throw new InvalidRequest(`Error due to duplicate config keys: ${duplicates.join(", ")}`);
  const next = new Map(current);
  for (const op of ops) {
    const key = TOPIC_CONFIG_BY_NAME.get(op.name);
    if (!key) throw new ConfigException(`Unknown topic config name: ${op.name}`);
    switch (op.configOperation) {
      case OpType.SET:
        next.set(op.name, op.value ?? "");
        break;
      case OpType.DELETE:
        next.delete(op.name);
        break;
      case OpType.APPEND:
      case OpType.SUBTRACT: {
        if (key.type !== ConfigType.LIST) throw new InvalidRequest(`Config value append is not allowed for config key: ${op.name}`);
        const values = (next.get(op.name) ?? key.default ?? "").split(",").map((v) => v.trim()).filter(Boolean);
        const given = (op.value ?? "").split(",").map((v) => v.trim()).filter(Boolean);
        const result = op.configOperation === OpType.APPEND ? [...values, ...given.filter((v) => !values.includes(v))] : values.filter((v) => !given.includes(v));
        next.set(op.name, result.join(","));
        break;
      }
      default:
        throw new InvalidRequest(`Unknown config operation ${op.configOperation} for ${op.name}`);
    }
  }
  return next;
}
