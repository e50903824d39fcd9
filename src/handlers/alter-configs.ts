import { AclOperation } from "../security/acl.ts";
import { defineApi, mapInOrder } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ALTER_CONFIGS_REQUEST, decodeAlterConfigsRequest } from "../protocol/generated/alter-configs-request.ts";
import { type AlterConfigsResponse, encodeAlterConfigsResponse } from "../protocol/generated/alter-configs-response.ts";
import { InvalidRequest, alterResourceConfigs, duplicateNames, resolveConfigResource } from "./config-resources.ts";

/** The legacy AlterConfigs: the configs given become the resource's whole set of overrides (the others are removed). */
export const alterConfigs = defineApi(
  "AlterConfigs",
  ALTER_CONFIGS_REQUEST,
  [0, 2],
  decodeAlterConfigsRequest,
  encodeAlterConfigsResponse,
  async (ctx, req): Promise<AlterConfigsResponse> => ({
    throttleTimeMs: 0,
    responses: await mapInOrder(req.resources, async (r) => {
      const answer = { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: ErrorCode.NONE, errorMessage: null };
      const resource = resolveConfigResource(ctx, r.resourceType, r.resourceName, AclOperation.ALTER_CONFIGS);
      if ("errorCode" in resource) return { ...answer, ...resource };
      const error = await alterResourceConfigs(ctx.broker, resource, () => {
        const duplicates = duplicateNames(r.configs.map((c) => c.name));
        if (duplicates.length > 0) throw new InvalidRequest(`Error due to duplicate config keys: ${duplicates.join(", ")}`);
        return new Map(r.configs.map((c) => [c.name, c.value!]));
      }, req.validateOnly);
      return { ...answer, ...error };
    }),
  }),
);
