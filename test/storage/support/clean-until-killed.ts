// A child process that cleans a compacted log and kills itself with SIGKILL at a chosen file
// operation of the cleaning (the nth call of fs.writeSync, fs.renameSync or fs.rmSync): a kill -9
// at an exact step. Prints "cleaned" if the cleaning ends before the chosen call.
// Usage: node clean-until-killed.mjs <log dir> <topic> <writeSync|renameSync|rmSync> <n>
import fs from "node:fs";
import { loadCodec } from "../../../src/codec/index.ts";
import { DEFAULT_COMPACTION_CONFIG } from "../../../src/storage/cleaner.ts";
import { logConfig } from "../../../src/storage/log-config.ts";
import { LogManager } from "../../../src/storage/log-manager.ts";

const [logDir, topic, operation, nth] = process.argv.slice(2);
const codec = await loadCodec("js");
const manager = LogManager.open([logDir], {
  codec,
  logConfig: () => logConfig({ segmentBytes: 900, indexIntervalBytes: 100 }),
  cleaner: {
    backoffMs: 3_600_000,
    dedupeBufferSize: 1 << 20,
    compactionOf: () => ({ ...DEFAULT_COMPACTION_CONFIG, minCleanableDirtyRatio: 0, deleteRetentionMs: 0 }),
    warn: (message) => console.error(message),
  },
});
manager.getLog(topic, 0);

const target = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
const original = target[operation];
let calls = 0;
target[operation] = (...args: unknown[]) => {
  if (++calls === Number(nth)) process.kill(process.pid, "SIGKILL");
  return original(...args);
};
const now = Date.now();
while (await manager.cleaner!.cleanFilthiestLog(now));
await manager.cleaner!.cleanFilthiestLog(now + 1);
target[operation] = original;
console.log("cleaned");
process.exit(0);
