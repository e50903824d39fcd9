import { resolve } from "node:path";
import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ALTER_REPLICA_LOG_DIRS_REQUEST, decodeAlterReplicaLogDirsRequest } from "../protocol/generated/alter-replica-log-dirs-request.ts";
import type { LogDirDescription } from "../storage/engine.ts";
import { type AlterReplicaLogDirsResponse, encodeAlterReplicaLogDirsResponse } from "../protocol/generated/alter-replica-log-dirs-response.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/**
 * Moving a replica between log dirs is not implemented: a partition already in the named dir
 * is answered NONE (nothing to move), one elsewhere KAFKA_STORAGE_ERROR, an unknown dir
 * LOG_DIR_NOT_FOUND and a partition this broker has no log for REPLICA_NOT_AVAILABLE.
 */
export const alterReplicaLogDirs = defineApi(
  "AlterReplicaLogDirs",
  ALTER_REPLICA_LOG_DIRS_REQUEST,
  [0, 2],
  decodeAlterReplicaLogDirsRequest,
  encodeAlterReplicaLogDirsResponse,
  async (ctx, req): Promise<AlterReplicaLogDirsResponse> => {
    const dirs = await ctx.broker.storage.describeLogDirs();
    const results = new Map<string, { partitionIndex: number; errorCode: number }[]>();
    for (const dir of req.dirs) {
      for (const t of dir.topics) {
        if (!results.has(t.name)) results.set(t.name, []);
        for (const partitionIndex of t.partitions) {
          const errorCode = mayOnCluster(ctx, AclOperation.ALTER) ? moveError(ctx, dirs, dir.path, t.name, partitionIndex) : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
          results.get(t.name)!.push({ partitionIndex, errorCode });
        }
      }
    }
    return { throttleTimeMs: 0, results: [...results].map(([topicName, partitions]) => ({ topicName, partitions })) };
  },
);

function moveError(ctx: RequestContext, dirs: LogDirDescription[], path: string, topic: string, partition: number): number {
  const target = dirs.find((d) => resolve(d.path) === resolve(path));
  if (target === undefined) return ErrorCode.LOG_DIR_NOT_FOUND;
  const current = dirs.find((d) => d.partitions.some((p) => p.topic === topic && p.partition === partition));
  if (!current || !ctx.broker.metadata.topicByName(topic)?.partitions.has(partition)) return ErrorCode.REPLICA_NOT_AVAILABLE;
  return current === target ? ErrorCode.NONE : ErrorCode.KAFKA_STORAGE_ERROR;
}
