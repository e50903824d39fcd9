/**
 * Kafka's client quotas (KIP-546) as the replay of ClientQuotaRecords in the metadata log: one
 * set of `key = value` per quota entity (a user, a client id, a (user, client id) pair, or an
 * IP; a null name is the type's default entity). The rules of ClientQuotaControlManager decide
 * which alterations are valid. The byte-rate quotas are enforced by src/quota/.
 */
import { isIP } from "node:net";
import type { ClientQuotaRecord } from "../protocol/generated/metadata/client-quota-record.ts";

export interface QuotaEntityPart {
  entityType: string;
  entityName: string | null;
}

export interface QuotaFilterComponent {
  entityType: string;
  /** 0 = exactly `match`, 1 = the default entity, 2 = any named entity. */
  matchType: number;
  match: string | null;
}

export interface QuotaEntry {
  entity: QuotaEntityPart[];
  values: Map<string, number>;
}

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

/** The quota keys each entity type takes, and whether their values must be whole numbers. */
const CLIENT_QUOTA_KEYS = new Map([
  ["producer_byte_rate", true],
  ["consumer_byte_rate", true],
  ["request_percentage", false],
  ["controller_mutation_rate", false],
]);
const IP_QUOTA_KEYS = new Map([["connection_creation_rate", true]]);

const ENTITY_TYPES = new Set(["user", "client-id", "ip"]);

/** Why the entity or an alteration of it is refused (Kafka answers INVALID_REQUEST), or undefined. */
export function quotaEntityError(entity: QuotaEntityPart[]): string | undefined {
  if (entity.length === 0) return "Invalid empty client quota entity";
  const types = new Set<string>();
  for (const part of entity) {
    if (!ENTITY_TYPES.has(part.entityType)) return `Unhandled client quota entity type: ${part.entityType}`;
    if (types.has(part.entityType)) return `Duplicate ${part.entityType} entity type in client quota entity`;
    types.add(part.entityType);
    if (part.entityName === "") return `Empty ${part.entityType} name in client quota entity`;
    if (part.entityType === "ip" && part.entityName !== null && isIP(part.entityName) === 0) return `${part.entityName} is not a valid IP address`;
  }
  if (types.has("ip") && types.size > 1) return "Invalid quota entity combination, IP entity should not be combined with User or ClientId";
  return undefined;
}

export function quotaValueError(entity: QuotaEntityPart[], key: string, value: number, remove: boolean): string | undefined {
  const keys = entity.some((p) => p.entityType === "ip") ? IP_QUOTA_KEYS : CLIENT_QUOTA_KEYS;
  const integral = keys.get(key);
  if (integral === undefined) return `Unknown quota key ${key}`;
  if (remove) return undefined;
  if (integral && !Number.isInteger(value)) return `Invalid value ${value} for configuration key ${key}: must be a whole number`;
  if (!(value > 0)) return `Invalid value ${value} for configuration key ${key}: must be positive`;
  return undefined;
}

/** One canonical string per entity, whatever the order of its parts. */
function entityKey(entity: QuotaEntityPart[]): string {
  return JSON.stringify([...entity].sort((a, b) => (a.entityType < b.entityType ? -1 : 1)).map((p) => [p.entityType, p.entityName]));
}

export class ClientQuotas {
  private readonly entries = new Map<string, QuotaEntry>();

  apply(record: ClientQuotaRecord): void {
    const key = entityKey(record.entity);
    let entry = this.entries.get(key);
    if (record.remove) {
      entry?.values.delete(record.key);
      if (entry?.values.size === 0) this.entries.delete(key);
      return;
    }
    if (!entry) this.entries.set(key, (entry = { entity: record.entity, values: new Map() }));
    entry.values.set(record.key, record.value);
  }

  /** Whether any quota is set at all (the request path's fast way out). */
  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /** The value of `key` set on exactly this entity. */
  quotaValue(entity: QuotaEntityPart[], key: string): number | undefined {
    return this.entries.get(entityKey(entity))?.values.get(key);
  }

  /** Kafka's DescribeClientQuotas match: every component matches a part; strict = no other parts. */
  describe(components: QuotaFilterComponent[], strict: boolean): QuotaEntry[] {
    return [...this.entries.values()].filter(
      (e) =>
        (!strict || e.entity.length === components.length) &&
        components.every((c) => {
          const part = e.entity.find((p) => p.entityType === c.entityType);
          if (!part) return false;
          if (c.matchType === MATCH_EXACT) return part.entityName === c.match;
          if (c.matchType === MATCH_DEFAULT) return part.entityName === null;
          return part.entityName !== null;
        }),
    );
  }
}

/** INVALID_REQUEST reasons for a filter, as Kafka's: known types, no type twice, match types 0-2. */
export function quotaFilterError(components: QuotaFilterComponent[]): string | undefined {
  const types = new Set<string>();
  for (const c of components) {
    if (!ENTITY_TYPES.has(c.entityType)) return `Custom entity type ${c.entityType} not supported`;
    if (types.has(c.entityType)) return `Duplicate ${c.entityType} entity type in filter`;
    types.add(c.entityType);
    if (c.matchType !== MATCH_EXACT && c.matchType !== MATCH_DEFAULT && c.matchType !== MATCH_SPECIFIED) return `Unknown match type ${c.matchType}`;
    if (c.matchType === MATCH_EXACT && c.match === null) return "Exact match needs an entity name";
  }
  if (types.has("ip") && types.size > 1) return "IP entity should not be combined with User or ClientId";
  return undefined;
}
