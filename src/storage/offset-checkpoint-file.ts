/**
 * Kafka's OffsetCheckpointFile, as `recovery-point-offset-checkpoint` and
 * `log-start-offset-checkpoint` in each log dir: a version line (0), a count line, then one
 * `topic partition offset` line per partition. Written to `<file>.tmp`, fsynced and renamed
 * over the old file, so a crash leaves either the old checkpoint or the new one.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export const RECOVERY_POINT_CHECKPOINT_FILE = "recovery-point-offset-checkpoint";
export const LOG_START_OFFSET_CHECKPOINT_FILE = "log-start-offset-checkpoint";

const VERSION = 0;

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/** The checkpoint's entries; empty when the file is absent, undefined when it is malformed (nothing in it can be trusted). */
export function readOffsetCheckpoint(file: string): PartitionOffset[] | undefined {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  if (lines[0] !== String(VERSION) || !/^\d+$/.test(lines[1] ?? "")) return undefined;
  const count = Number(lines[1]);
  const entries: PartitionOffset[] = [];
  for (const line of lines.slice(2, 2 + count)) {
    const match = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (!match) return undefined;
    entries.push({ topic: match[1], partition: Number(match[2]), offset: BigInt(match[3]) });
  }
  return entries.length === count ? entries : undefined;
}

export function writeOffsetCheckpoint(file: string, entries: PartitionOffset[]): void {
  const text = [String(VERSION), String(entries.length), ...entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`), ""].join("\n");
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDirectory(dirname(file));
}

/** fsyncs a directory so a rename in it is durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
