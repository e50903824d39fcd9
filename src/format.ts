/**
 * `format`, as `kafka-storage format`: prepares the log directories (meta.properties with the
 * cluster id) and, with --add-scram, writes SCRAM users into the metadata log before the first start.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrokerConfig } from "./config.ts";
import { loadCodec } from "./codec/index.ts";
import { ClusterMetadata } from "./storage/cluster-metadata.ts";
import { FilesEngine } from "./storage/files-engine.ts";
import { scramRecordFromArgument } from "./security/add-scram.ts";

export interface FormatOptions {
  /** -t: the cluster.id meta.properties gets when it has none yet (else a random one). */
  clusterId?: string;
  /** --add-scram arguments: 'SCRAM-SHA-256=[name=alice,password=alice-secret]'. */
  addScram: string[];
}

/** Returns the cluster id the log directories carry. */
export async function formatStorage(config: BrokerConfig, options: FormatOptions): Promise<string> {
  const records = options.addScram.map((a) => ({ type: "UserScramCredentialRecord" as const, record: scramRecordFromArgument(a) }));
  const metaProperties = join(config.logDirs[0], "meta.properties");
  if (options.clusterId && !existsSync(metaProperties)) {
    mkdirSync(config.logDirs[0], { recursive: true });
    writeFileSync(metaProperties, `#\ncluster.id=${options.clusterId}\nnode.id=${config.nodeId}\nversion=1\n`);
  }
  const codec = await loadCodec("js");
  const storage = FilesEngine.open({ logDirs: config.logDirs, nodeId: config.nodeId, codec });
  try {
    if (records.length > 0) await (await ClusterMetadata.open(storage, codec, config.nodeId)).append(records);
    return storage.clusterId;
  } finally {
    await storage.close();
  }
}
