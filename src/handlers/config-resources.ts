/**
 * What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: resolving a config
 * resource (a topic by name, this broker by its id) and writing a topic's new set of overrides.
 */
import type { Broker } from "../broker.ts";
import type { RequestContext } from "./api.ts";
import { mayOnCluster } from "./resource-access.ts";
import { type AclOperationCode, ResourceType } from "../security/acl.ts";
import { ConfigException } from "../config-def.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { type ConfigChange, ConfigResourceType } from "../storage/cluster-metadata.ts";
import { validateTopicConfig } from "../storage/log-config.ts";

export interface ResourceError {
  errorCode: number;
  errorMessage: string;
}

export type ConfigResource = { type: "topic"; name: string } | { type: "broker" };

/**
 * The resource a request names, or why it cannot be used: the principal may not `operation`
 * (DescribeConfigs or AlterConfigs) it, the topic is unknown, another broker, an unsupported type.
 */
export function resolveConfigResource(ctx: RequestContext, resourceType: number, resourceName: string, operation: AclOperationCode): ConfigResource | ResourceError {
  const { broker } = ctx;
  if (resourceType === ConfigResourceType.TOPIC) {
    if (!ctx.authorize(operation, ResourceType.TOPIC, resourceName)) {
      return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Not authorized to access topic ${resourceName}` };
    }
    if (!broker.metadata.topicByName(resourceName)) {
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resourceName} does not exist` };
    }
    return { type: "topic", name: resourceName };
  }
  if (resourceType === ConfigResourceType.BROKER) {
    if (!mayOnCluster(ctx, operation)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Not authorized to access the cluster" };
    if (resourceName !== String(broker.config.nodeId)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.config.nodeId}, but received ${resourceName || "the cluster default"}` };
    }
    return { type: "broker" };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}

/**
 * Validates a topic's new overrides and, unless `validateOnly`, records what changed as
 * ConfigRecords (all in one batch) and applies it to the topic's logs. Broker configs are
 * read-only: they come from server.properties.
 */
export async function alterResourceConfigs(
  broker: Broker,
  resource: ConfigResource,
  next: (current: ReadonlyMap<string, string>) => Map<string, string>,
  validateOnly: boolean,
): Promise<ResourceError | undefined> {
  if (resource.type === "broker") {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Cannot update broker configs dynamically: they are read from server.properties" };
  }
  const current = broker.metadata.configs(ConfigResourceType.TOPIC, resource.name);
  let updated: Map<string, string>;
  try {
    updated = next(current);
    for (const [name, value] of updated) validateTopicConfig(name, value);
  } catch (err) {
    if (err instanceof ConfigException) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err.message };
    if (err instanceof InvalidRequest) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: err.message };
    throw err;
  }
  if (validateOnly) return undefined;
  const changes: ConfigChange[] = [];
  for (const [name, value] of updated) if (current.get(name) !== value) changes.push([name, value]);
  for (const name of current.keys()) if (!updated.has(name)) changes.push([name, null]);
  await broker.alterTopicConfigs(resource.name, changes);
  return undefined;
}

/** A request that makes no sense (a duplicate key, APPEND to a config that is not a list): INVALID_REQUEST. */
export class InvalidRequest extends Error {}

/** The names given more than once, which Kafka refuses for the whole resource. */
export function duplicateNames(names: string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}
