/**
 * A resource's configs as DescribeConfigs and CreateTopics (v5+) report them: each config's
 * effective value, where it comes from, and its synonyms in order of precedence (the topic
 * override, then the broker configs standing in for it, then the default).
 */
import { type ConfigKey, ConfigType } from "../config-def.ts";
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME } from "../config.ts";
import { TOPIC_CONFIGS, type TopicConfigKey } from "../storage/log-config.ts";

/** DescribeConfigs' config_source numbering. */
export const ConfigSource = {
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigEntry {
  key: ConfigKey;
  value: string | null;
  source: number;
  readOnly: boolean;
  sensitive: boolean;
  synonyms: ConfigSynonym[];
}

function entry(key: ConfigKey, synonyms: ConfigSynonym[], readOnly: boolean): ConfigEntry {
  const sensitive = key.type === ConfigType.PASSWORD;
  const effective = synonyms[0] ?? { value: null, source: ConfigSource.DEFAULT_CONFIG };
  const hide = (s: ConfigSynonym) => (sensitive ? { ...s, value: null } : s);
  return { key, value: sensitive ? null : effective.value, source: effective.source, readOnly, sensitive, synonyms: synonyms.map(hide) };
}

/** A broker config's value as set in server.properties, else its default (if any). */
function brokerSynonyms(staticConfigs: ReadonlyMap<string, string>, key: ConfigKey): ConfigSynonym[] {
  const set = staticConfigs.get(key.name);
  const synonyms: ConfigSynonym[] = [];
  if (set !== undefined && set !== "") synonyms.push({ name: key.name, value: set, source: ConfigSource.STATIC_BROKER_CONFIG });
  if (key.default !== null) synonyms.push({ name: key.name, value: key.default, source: ConfigSource.DEFAULT_CONFIG });
  return synonyms;
}


/**
 * A topic config: its override, else the first broker synonym set in server.properties (with
 * `.hours` / `.minutes` values converted to the topic config's milliseconds), else Kafka's default.
 */
function topicEntry(key: TopicConfigKey, staticConfigs: ReadonlyMap<string, string>, overrides: ReadonlyMap<string, string>): ConfigEntry {
  const synonyms: ConfigSynonym[] = [];
  const override = overrides.get(key.name);
  if (override !== undefined) synonyms.push({ name: key.name, value: override, source: ConfigSource.TOPIC_CONFIG });
  for (const s of key.synonyms) {
    synonyms.push(...brokerSynonyms(staticConfigs, BROKER_CONFIG_BY_NAME.get(s.name)!).filter((b) => b.source !== ConfigSource.DEFAULT_CONFIG));
  }
  const last = key.synonyms[key.synonyms.length - 1];
  synonyms.push({ name: last.name, value: BROKER_CONFIG_BY_NAME.get(last.name)!.default, source: ConfigSource.DEFAULT_CONFIG });
  const result = entry(key, synonyms, false);
  // The value is the topic config's own: a broker synonym counted in hours or minutes is converted.
  const from = key.synonyms.find((s) => s.name === synonyms[0].name);
  if (synonyms[0].source !== ConfigSource.TOPIC_CONFIG && from?.msPerUnit) result.value = String(Number(synonyms[0].value) * from.msPerUnit);
  else if (synonyms[0].source === ConfigSource.DEFAULT_CONFIG) result.value = key.default;
  return result;
}

/** Every topic config of a topic with these overrides, sorted by name. */
export function topicConfigEntries(staticConfigs: ReadonlyMap<string, string>, overrides: ReadonlyMap<string, string>): ConfigEntry[] {
  return TOPIC_CONFIGS.map((key) => topicEntry(key, staticConfigs, overrides));
}

/** Every broker config, sorted by name; all are read-only (server.properties is read at start-up). */
export function brokerConfigEntries(staticConfigs: ReadonlyMap<string, string>): ConfigEntry[] {
  return BROKER_CONFIGS.map((key) => entry(key, brokerSynonyms(staticConfigs, key), key.readOnly ?? true));
}
