/** A partition directory's `partition.metadata`: the topic id the directory belongs to. */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { uuidFromBase64, uuidToBase64 } from "./uuid-base64.ts";

export const PARTITION_METADATA_FILE = "partition.metadata";

/** The topic id recorded in `dir`, or undefined when the file is missing or unreadable. */
export function readPartitionMetadata(dir: string): string | undefined {
  const path = join(dir, PARTITION_METADATA_FILE);
  if (!existsSync(path)) return undefined;
  const line = readFileSync(path, "utf8")
    .split("\n")
    .find((l) => l.startsWith("topic_id:"));
  return line === undefined ? undefined : uuidFromBase64(line.slice("topic_id:".length));
}

/** Written as Kafka does (no trailing newline), via a temporary file so a crash never leaves half of it. */
export function writePartitionMetadata(dir: string, topicId: string): void {
  const path = join(dir, PARTITION_METADATA_FILE);
  writeFileSync(`${path}.tmp`, `version: 0\ntopic_id: ${uuidToBase64(topicId)}`);
  renameSync(`${path}.tmp`, path);
}
