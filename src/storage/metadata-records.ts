/**
 * The value of a KRaft metadata-log record: uvarint frame_version (1), uvarint record type
 * (the schema's apiKey), uvarint record version, then the record in flexible encoding. Only
 * the record types the broker acts on are decoded; this is the one module that knows the
 * generated metadata codecs.
 */
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { CONFIG_RECORD, type ConfigRecord, decodeConfigRecord, encodeConfigRecord } from "../protocol/generated/metadata/config-record.ts";
import {
  PARTITION_CHANGE_RECORD,
  type PartitionChangeRecord,
  decodePartitionChangeRecord,
  encodePartitionChangeRecord,
} from "../protocol/generated/metadata/partition-change-record.ts";
import {
  PARTITION_RECORD,
  type PartitionRecord,
  decodePartitionRecord,
  encodePartitionRecord,
} from "../protocol/generated/metadata/partition-record.ts";
import {
  REMOVE_TOPIC_RECORD,
  type RemoveTopicRecord,
  decodeRemoveTopicRecord,
  encodeRemoveTopicRecord,
} from "../protocol/generated/metadata/remove-topic-record.ts";
import { TOPIC_RECORD, type TopicRecord, decodeTopicRecord, encodeTopicRecord } from "../protocol/generated/metadata/topic-record.ts";
import {
  CLIENT_QUOTA_RECORD,
  type ClientQuotaRecord,
  decodeClientQuotaRecord,
  encodeClientQuotaRecord,
} from "../protocol/generated/metadata/client-quota-record.ts";
import {
  USER_SCRAM_CREDENTIAL_RECORD,
  type UserScramCredentialRecord,
  decodeUserScramCredentialRecord,
  encodeUserScramCredentialRecord,
} from "../protocol/generated/metadata/user-scram-credential-record.ts";
import {
  REMOVE_USER_SCRAM_CREDENTIAL_RECORD,
  type RemoveUserScramCredentialRecord,
  decodeRemoveUserScramCredentialRecord,
  encodeRemoveUserScramCredentialRecord,
} from "../protocol/generated/metadata/remove-user-scram-credential-record.ts";
import {
  ACCESS_CONTROL_ENTRY_RECORD,
  type AccessControlEntryRecord,
  decodeAccessControlEntryRecord,
  encodeAccessControlEntryRecord,
} from "../protocol/generated/metadata/access-control-entry-record.ts";
import {
  REMOVE_ACCESS_CONTROL_ENTRY_RECORD,
  type RemoveAccessControlEntryRecord,
  decodeRemoveAccessControlEntryRecord,
  encodeRemoveAccessControlEntryRecord,
} from "../protocol/generated/metadata/remove-access-control-entry-record.ts";

export type {
  AccessControlEntryRecord,
  ClientQuotaRecord,
  ConfigRecord,
  PartitionChangeRecord,
  PartitionRecord,
  RemoveAccessControlEntryRecord,
  RemoveTopicRecord,
  RemoveUserScramCredentialRecord,
  TopicRecord,
  UserScramCredentialRecord,
};

export type MetadataRecord =
  | { type: "TopicRecord"; record: TopicRecord }
  | { type: "PartitionRecord"; record: PartitionRecord }
  | { type: "PartitionChangeRecord"; record: PartitionChangeRecord }
  | { type: "RemoveTopicRecord"; record: RemoveTopicRecord }
  | { type: "ClientQuotaRecord"; record: ClientQuotaRecord }
  | { type: "UserScramCredentialRecord"; record: UserScramCredentialRecord }
  | { type: "RemoveUserScramCredentialRecord"; record: RemoveUserScramCredentialRecord }
  | { type: "AccessControlEntryRecord"; record: AccessControlEntryRecord }
  | { type: "RemoveAccessControlEntryRecord"; record: RemoveAccessControlEntryRecord }
  | { type: "ConfigRecord"; record: ConfigRecord };

const FRAME_VERSION = 1;

interface RecordCodec<T> {
  apiKey: number;
  validVersions: readonly [number, number];
  /** The version this broker writes: PartitionRecord v1 carries `directories`, as Kafka 3.7+ and the tester write it. */
  writeVersion: number;
  decode(r: Reader, version: number): T;
  encode(w: Writer, version: number, m: T): void;
}

type Codecs = { [K in MetadataRecord["type"]]: RecordCodec<Extract<MetadataRecord, { type: K }>["record"]> };

const CODECS: Codecs = {
  TopicRecord: { ...TOPIC_RECORD, writeVersion: 0, decode: decodeTopicRecord, encode: encodeTopicRecord },
  PartitionRecord: { ...PARTITION_RECORD, writeVersion: 1, decode: decodePartitionRecord, encode: encodePartitionRecord },
  PartitionChangeRecord: {
    ...PARTITION_CHANGE_RECORD,
    writeVersion: 0,
    decode: decodePartitionChangeRecord,
    encode: encodePartitionChangeRecord,
  },
  RemoveTopicRecord: { ...REMOVE_TOPIC_RECORD, writeVersion: 0, decode: decodeRemoveTopicRecord, encode: encodeRemoveTopicRecord },
  ClientQuotaRecord: { ...CLIENT_QUOTA_RECORD, writeVersion: 0, decode: decodeClientQuotaRecord, encode: encodeClientQuotaRecord },
  UserScramCredentialRecord: {
    ...USER_SCRAM_CREDENTIAL_RECORD,
    writeVersion: 0,
    decode: decodeUserScramCredentialRecord,
    encode: encodeUserScramCredentialRecord,
  },
  RemoveUserScramCredentialRecord: {
    ...REMOVE_USER_SCRAM_CREDENTIAL_RECORD,
    writeVersion: 0,
    decode: decodeRemoveUserScramCredentialRecord,
    encode: encodeRemoveUserScramCredentialRecord,
  },
  AccessControlEntryRecord: {
    ...ACCESS_CONTROL_ENTRY_RECORD,
    writeVersion: 0,
    decode: decodeAccessControlEntryRecord,
    encode: encodeAccessControlEntryRecord,
  },
  RemoveAccessControlEntryRecord: {
    ...REMOVE_ACCESS_CONTROL_ENTRY_RECORD,
    writeVersion: 0,
    decode: decodeRemoveAccessControlEntryRecord,
    encode: encodeRemoveAccessControlEntryRecord,
  },
  ConfigRecord: { ...CONFIG_RECORD, writeVersion: 0, decode: decodeConfigRecord, encode: encodeConfigRecord },
};

const TYPE_BY_API_KEY = new Map<number, MetadataRecord["type"]>(
  (Object.keys(CODECS) as MetadataRecord["type"][]).map((type) => [CODECS[type].apiKey, type]),
);

/**
 * Decodes a record value; undefined for record types (and versions) the broker does not act
 * on, such as FeatureLevelRecord or broker registrations, and for values that do not parse.
 */
export function decodeMetadataRecord(value: Uint8Array): MetadataRecord | undefined {
  const r = new Reader(value);
  if (r.uvarint() !== FRAME_VERSION) return undefined;
  const type = TYPE_BY_API_KEY.get(r.uvarint());
  const version = r.uvarint();
  if (type === undefined || r.failed) return undefined;
  const codec: RecordCodec<unknown> = CODECS[type];
  if (version < codec.validVersions[0] || version > codec.validVersions[1]) return undefined;
  const record = codec.decode(r, version);
  return r.failed ? undefined : ({ type, record } as MetadataRecord);
}

export function encodeMetadataRecord(m: MetadataRecord): Uint8Array {
  const codec = CODECS[m.type] as RecordCodec<unknown>;
  const w = new Writer(64);
  w.uvarint(FRAME_VERSION).uvarint(codec.apiKey).uvarint(codec.writeVersion);
  codec.encode(w, codec.writeVersion, m.record);
  return w.finish();
}
