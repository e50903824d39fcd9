/** Consumer lag as Kafka's tools compute it: the partition's log end offset minus the group's committed offset. */
import type { Broker } from "../broker.ts";

export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  committedOffset: bigint;
  logEndOffset: bigint;
  lag: number;
}

type LagBroker = Pick<Broker, "groupCoordinator" | "partitionLog">;

/** Every committed offset of `groupId` (or of every group), with its lag; partitions of deleted topics are left out. */
export async function committedLag(broker: LagBroker, groupId?: string): Promise<PartitionLag[]> {
  const groupIds = groupId === undefined ? broker.groupCoordinator.listGroups().map((g) => g.groupId) : [groupId];
  const lags: PartitionLag[] = [];
  for (const id of groupIds) {
    for (const [topic, partitions] of broker.groupCoordinator.fetchOffsets(id, null)) {
      for (const [partition, committed] of partitions) {
        const log = await broker.partitionLog(topic, partition);
        if (!log || !committed) continue;
        const logEndOffset = log.logEndOffset;
        const lag = logEndOffset > committed.offset ? Number(logEndOffset - committed.offset) : 0;
        lags.push({ groupId: id, topic, partition, committedOffset: committed.offset, logEndOffset, lag });
      }
    }
  }
  return lags.sort((a, b) => a.groupId.localeCompare(b.groupId) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
