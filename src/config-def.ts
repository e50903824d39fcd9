/**
 * Kafka's ConfigDef: a config's name, type, default, validator and documentation, and the
 * parsing of its string form. Broker configs (server.properties) and topic configs (LogConfig)
 * are tables of these; validation, DescribeConfigs and the code that acts on a config all read
 * the same table.
 */

/** DescribeConfigs' config_type numbering. */
export enum ConfigType {
  BOOLEAN = 1,
  STRING = 2,
  INT = 3,
  SHORT = 4,
  LONG = 5,
  DOUBLE = 6,
  LIST = 7,
  CLASS = 8,
  PASSWORD = 9,
}

/** LONG values are numbers: exact to 2^53, and Long.MAX_VALUE ("never") compares as the largest. */
export type ConfigValue = boolean | number | string | string[];

export interface ConfigKey {
  name: string;
  type: ConfigType;
  /** The default in Kafka's string form; null when there is none. */
  default: string | null;
  doc: string;
  /** Returns why a parsed value is not acceptable. */
  validator?: (value: ConfigValue) => string | undefined;
  /** Not alterable while the broker runs (DescribeConfigs' read_only). */
  readOnly?: boolean;
}

/** A bad config name or value: the message is what the client is told (INVALID_CONFIG). */
export class ConfigException extends Error {}

const INT_RANGE = { [ConfigType.SHORT]: 2n ** 15n, [ConfigType.INT]: 2n ** 31n, [ConfigType.LONG]: 2n ** 63n } as const;

/** Parses and validates a value as Kafka does, throwing ConfigException with Kafka's wording. */
export function parseConfigValue(key: ConfigKey, raw: string): ConfigValue {
  const value = parse(key, raw.trim());
  const problem = key.validator?.(value);
  if (problem) throw new ConfigException(`Invalid value ${raw} for configuration ${key.name}: ${problem}`);
  return value;
}

function parse(key: ConfigKey, raw: string): ConfigValue {
  const invalid = (what: string) => new ConfigException(`Invalid value ${raw} for configuration ${key.name}: ${what}`);
  switch (key.type) {
    case ConfigType.BOOLEAN: {
      const lower = raw.toLowerCase();
      if (lower !== "true" && lower !== "false") throw invalid("Expected value to be either true or false");
      return lower === "true";
    }
    case ConfigType.SHORT:
    case ConfigType.INT:
    case ConfigType.LONG: {
      const limit = INT_RANGE[key.type];
      if (!/^[+-]?\d+$/.test(raw) || BigInt(raw) < -limit || BigInt(raw) >= limit) throw invalid(`Not a number of type ${ConfigType[key.type]}`);
      return Number(raw);
    }
    case ConfigType.DOUBLE: {
      const n = raw === "" ? NaN : Number(raw);
      if (Number.isNaN(n)) throw invalid("Not a number of type DOUBLE");
      return n;
    }
    case ConfigType.LIST:
      return raw === "" ? [] : raw.split(",").map((s) => s.trim());
    default:
      return raw;
  }
}

export function atLeast(min: number): ConfigKey["validator"] {
  return (v) => ((v as number) < min ? `Value must be at least ${min}` : undefined);
}

export function between(min: number, max: number): ConfigKey["validator"] {
  return (v) => ((v as number) < min || (v as number) > max ? `Value must be no less than ${min} and no more than ${max}` : undefined);
}

/** One of `allowed` (case-sensitive, as Kafka's ValidString). */
export function oneOf(...allowed: string[]): ConfigKey["validator"] {
  return (v) => (allowed.includes(v as string) ? undefined : `String must be one of: ${allowed.join(", ")}`);
}

/** A non-empty list of distinct members of `allowed` (Kafka's ValidList). */
export function listOf(...allowed: string[]): ConfigKey["validator"] {
  return (v) => {
    const list = v as string[];
    if (list.length === 0) return "Empty list";
    const bad = list.find((s) => !allowed.includes(s));
    if (bad !== undefined) return `Invalid value ${bad}; must be one of: ${allowed.join(", ")}`;
    return new Set(list).size === list.length ? undefined : "Values must not be repeated";
  };
}
