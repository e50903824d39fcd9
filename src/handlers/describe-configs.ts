import { AclOperation } from "../security/acl.ts";
import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_CONFIGS_REQUEST, type DescribeConfigsResource, decodeDescribeConfigsRequest } from "../protocol/generated/describe-configs-request.ts";
import {
  type DescribeConfigsResponse,
  type DescribeConfigsResult,
  encodeDescribeConfigsResponse,
} from "../protocol/generated/describe-configs-response.ts";
import type { RequestContext } from "./api.ts";
import { ConfigResourceType } from "../storage/cluster-metadata.ts";
import { type ConfigEntry, ConfigSource, brokerConfigEntries, topicConfigEntries } from "./config-entries.ts";
import { resolveConfigResource } from "./config-resources.ts";

/**
 * A topic's configs (its overrides, the broker's values for the rest) or this broker's, each
 * with its source, synonyms (v1+, when asked) and type and documentation (v3+, when asked).
 */
export const describeConfigs = defineApi(
  "DescribeConfigs",
  DESCRIBE_CONFIGS_REQUEST,
  [0, 4],
  decodeDescribeConfigsRequest,
  encodeDescribeConfigsResponse,
  (ctx, req): DescribeConfigsResponse => ({
    throttleTimeMs: 0,
    results: req.resources.map((r) => describe(ctx, r, req.includeSynonyms ?? false, req.includeDocumentation ?? false)),
  }),
);

function describe(ctx: RequestContext, r: DescribeConfigsResource, synonyms: boolean, documentation: boolean): DescribeConfigsResult {
  const { broker } = ctx;
  const result = { resourceType: r.resourceType, resourceName: r.resourceName };
  const resource = resolveConfigResource(ctx, r.resourceType, r.resourceName, AclOperation.DESCRIBE_CONFIGS);
  if ("errorCode" in resource) return { ...result, ...resource, configs: [] };
  const entries =
    resource.type === "topic"
      ? topicConfigEntries(broker.config.staticConfigs, broker.metadata.configs(ConfigResourceType.TOPIC, resource.name))
      : brokerConfigEntries(broker.config.staticConfigs);
  const keys = r.configurationKeys && new Set(r.configurationKeys);
  return {
    ...result,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    configs: entries.filter((e) => !keys || keys.has(e.key.name)).map((e) => describeEntry(e, synonyms, documentation)),
  };
}

function describeEntry(e: ConfigEntry, synonyms: boolean, documentation: boolean) {
  return {
    name: e.key.name,
    value: e.value,
    readOnly: e.readOnly,
    // v0 has a default flag where later versions have the source.
    isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
    configSource: e.source,
    isSensitive: e.sensitive,
    synonyms: synonyms ? e.synonyms : [],
    configType: e.key.type,
    documentation: documentation ? e.key.doc : null,
  };
}
