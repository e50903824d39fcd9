/**
 * Kafka's ACL model, with its wire values: resource types, pattern types, operations and
 * permission types; an ACL binding and the filters DescribeAcls / DeleteAcls match with.
 */
export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export const PermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type ResourceTypeCode = (typeof ResourceType)[keyof typeof ResourceType];
export type AclOperationCode = (typeof AclOperation)[keyof typeof AclOperation];

/** The literal resource name (and principal, host) that matches every name. */
export const WILDCARD = "*";
export const WILDCARD_PRINCIPAL = "User:*";
/** The one cluster resource's name. */
export const CLUSTER_NAME = "kafka-cluster";

/** The operations each resource type has (Kafka's AclEntry.supportedOperations), for authorized-operations fields. */
const { READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE } = AclOperation;
export const RESOURCE_OPERATIONS: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: [READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS],
  [ResourceType.GROUP]: [READ, DELETE, DESCRIBE],
  [ResourceType.CLUSTER]: [CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE],
  [ResourceType.TRANSACTIONAL_ID]: [WRITE, DESCRIBE],
  [ResourceType.DELEGATION_TOKEN]: [DESCRIBE],
  [ResourceType.USER]: [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS],
};

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** A DescribeAcls / DeleteAcls filter: ANY and null match everything; MATCH matches what would apply to the name. */
export type AclFilter = {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
};

/** A DescribeAcls request or DeleteAcls filter, as the wire has it. */
export interface AclFilterFields {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter?: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export function aclFilter(f: AclFilterFields): AclFilter {
  return {
    resourceType: f.resourceTypeFilter,
    resourceName: f.resourceNameFilter,
    patternType: f.patternTypeFilter ?? PatternType.LITERAL,
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation,
    permissionType: f.permissionType,
  };
}

/** Why a filter cannot match anything sensible (UNKNOWN values), or null. */
export function invalidFilter(f: AclFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN || f.patternType === PatternType.UNKNOWN) return "Invalid resource filter";
  if (f.operation === AclOperation.UNKNOWN || f.permissionType === PermissionType.UNKNOWN) return "Invalid ACL filter";
  return null;
}

/** Why an ACL cannot be created (Kafka's AclControlManager.validateNewAcl), or null when it can. */
export function invalidAcl(acl: AclBinding): string | null {
  if (!RESOURCE_OPERATIONS[acl.resourceType]) return "Invalid resourceType";
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) return "Invalid patternType";
  if (acl.operation < AclOperation.ALL || acl.operation > AclOperation.DESCRIBE_TOKENS) return "Invalid operation";
  if (acl.permissionType !== PermissionType.ALLOW && acl.permissionType !== PermissionType.DENY) return "Invalid permissionType";
  if (acl.resourceName === "") return "Resource name should not be empty";
  if (!/^[^:]+:.+$/.test(acl.principal)) return `Could not parse principal from \`${acl.principal}\``;
  if (acl.host === "") return "Invalid empty host";
  if (acl.resourceType === ResourceType.CLUSTER && acl.resourceName !== CLUSTER_NAME) return "The only valid name for the CLUSTER resource is kafka-cluster";
  return null;
}

export function matchesFilter(acl: AclBinding, f: AclFilter): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== acl.resourceType) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== acl.operation) return false;
  if (f.permissionType !== PermissionType.ANY && f.permissionType !== acl.permissionType) return false;
  if (f.principal !== null && f.principal !== acl.principal) return false;
  if (f.host !== null && f.host !== acl.host) return false;
  return matchesPattern(acl, f.resourceName, f.patternType);
}

function matchesPattern(acl: AclBinding, name: string | null, patternType: number): boolean {
  if (patternType === PatternType.MATCH) {
    if (name === null) return true;
    if (acl.patternType === PatternType.LITERAL) return acl.resourceName === name || acl.resourceName === WILDCARD;
    return acl.patternType === PatternType.PREFIXED && name.startsWith(acl.resourceName);
  }
  if (patternType !== PatternType.ANY && patternType !== acl.patternType) return false;
  return name === null || name === acl.resourceName;
}

/** True when the ACL's resource pattern covers the resource `name` (a literal, the wildcard, or a prefix). */
export function coversResource(acl: AclBinding, resourceType: number, name: string): boolean {
  return acl.resourceType === resourceType && matchesPattern(acl, name, PatternType.MATCH);
}

/** An ALLOW for `granted` also allows `requested`: Describe comes with Read/Write/Delete/Alter, DescribeConfigs with AlterConfigs. */
export function implies(granted: number, requested: number): boolean {
  if (granted === AclOperation.ALL || granted === requested) return true;
  if (requested === DESCRIBE) return granted === READ || granted === WRITE || granted === DELETE || granted === ALTER;
  return requested === DESCRIBE_CONFIGS && granted === ALTER_CONFIGS;
}
