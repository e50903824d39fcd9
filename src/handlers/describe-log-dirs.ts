import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_LOG_DIRS_REQUEST, decodeDescribeLogDirsRequest } from "../protocol/generated/describe-log-dirs-request.ts";
import { type DescribeLogDirsResponse, type DescribeLogDirsTopic, encodeDescribeLogDirsResponse } from "../protocol/generated/describe-log-dirs-response.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/**
 * Each log dir with the partitions in it (null topics = all, internal ones included) and their
 * sizes in bytes; v4 adds the file system's total and usable bytes. The only replica is the
 * leader, so no partition lags and none has a "future" copy.
 */
export const describeLogDirs = defineApi(
  "DescribeLogDirs",
  DESCRIBE_LOG_DIRS_REQUEST,
  [0, 4],
  decodeDescribeLogDirsRequest,
  encodeDescribeLogDirsResponse,
  async (ctx, req): Promise<DescribeLogDirsResponse> => {
    if (!mayOnCluster(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const wanted = req.topics && new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const dirs = await ctx.broker.storage.describeLogDirs();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: dirs.map((dir) => {
        const topics = new Map<string, DescribeLogDirsTopic>();
        for (const p of dir.partitions) {
          if (wanted && !wanted.get(p.topic)?.has(p.partition)) continue;
          if (!topics.has(p.topic)) topics.set(p.topic, { name: p.topic, partitions: [] });
          topics.get(p.topic)!.partitions.push({ partitionIndex: p.partition, partitionSize: BigInt(p.size), offsetLag: 0n, isFutureKey: false });
        }
        for (const t of topics.values()) t.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
        return {
          errorCode: dir.space ? ErrorCode.NONE : ErrorCode.KAFKA_STORAGE_ERROR,
          logDir: dir.path,
          topics: [...topics.values()],
          totalBytes: dir.space?.totalBytes ?? -1n,
          usableBytes: dir.space?.usableBytes ?? -1n,
        };
      }),
    };
  },
);
