/**
 * Where share partitions' state lives: the internal log `__share_group_state-0`, one record per
 * change keyed by (group, topic id, partition), its value the start offset and in-flight records
 * (Kafka's share coordinator keeps ShareSnapshot records there; this broker's schema is its own,
 * JSON). The last record of each key wins when the log is read back at start-up.
 */
import { randomUUID } from "node:crypto";
import type { Codec } from "../codec/types.ts";
import type { PartitionLog, StorageEngine } from "../storage/engine.ts";
import { brokerBatch } from "../storage/record-batches.ts";
import { SerialQueue } from "../storage/serial-queue.ts";
import type { RecordState, SharePartitionSnapshot } from "./share-partition.ts";

export const SHARE_GROUP_STATE_TOPIC = "__share_group_state";

export interface SharePartitionKey {
  groupId: string;
  topicId: string;
  partition: number;
}

interface StoredSnapshot {
  startOffset: string;
  records: [offset: string, state: RecordState, deliveryCount: number][];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ShareStateStore {
  private readonly appends = new SerialQueue();

  private constructor(
    private readonly storage: Pick<StorageEngine, "getLog" | "createLog">,
    private readonly codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">,
    readonly loaded: Map<string, { key: SharePartitionKey; snapshot: SharePartitionSnapshot }>,
  ) {}

  static async open(storage: Pick<StorageEngine, "getLog" | "createLog">, codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">): Promise<ShareStateStore> {
    const loaded = new Map<string, { key: SharePartitionKey; snapshot: SharePartitionSnapshot }>();
    const log = await storage.getLog(SHARE_GROUP_STATE_TOPIC, 0);
    for await (const batch of log?.batches() ?? []) {
      for (const record of codec.decodeRecordBatch(batch).records) {
        if (!record.key) continue;
        const keyText = decoder.decode(record.key);
        if (!record.value) {
          loaded.delete(keyText);
          continue;
        }
        try {
          const stored = JSON.parse(decoder.decode(record.value)) as StoredSnapshot;
          loaded.set(keyText, {
            key: JSON.parse(keyText) as SharePartitionKey,
            snapshot: {
              startOffset: BigInt(stored.startOffset),
              records: stored.records.map(([offset, state, deliveryCount]) => ({ offset: BigInt(offset), state, deliveryCount })),
            },
          });
        } catch {
          // A value this broker did not write: skipped, as Kafka skips unknown record types.
        }
      }
    }
    return new ShareStateStore(storage, codec, loaded);
  }

  /** Appends the partition's state (null: its tombstone); writes land in call order. */
  write(key: SharePartitionKey, snapshot: SharePartitionSnapshot | null): Promise<void> {
    const keyBytes = encoder.encode(keyText(key));
    const value =
      snapshot &&
      encoder.encode(
        JSON.stringify({
          startOffset: snapshot.startOffset.toString(),
          records: snapshot.records.map((r) => [r.offset.toString(), r.state, r.deliveryCount]),
        } satisfies StoredSnapshot),
      );
    const batch = brokerBatch(this.codec, [{ key: keyBytes, value }]);
    return this.appends.run(async () => {
      await (await this.log()).appendAsLeader(batch);
    });
  }

  private async log(): Promise<PartitionLog> {
    return (await this.storage.getLog(SHARE_GROUP_STATE_TOPIC, 0)) ?? this.storage.createLog(SHARE_GROUP_STATE_TOPIC, 0, randomUUID());
  }
}

export function keyText(key: SharePartitionKey): string {
  return JSON.stringify({ groupId: key.groupId, topicId: key.topicId, partition: key.partition });
}
