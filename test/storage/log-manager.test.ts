import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LogManager, parseTopicPartition } from "../../src/storage/log-manager.ts";
import { readPartitionMetadata } from "../../src/storage/partition-metadata.ts";
import { OFFSET_OUT_OF_RANGE } from "../../src/storage/unified-log.ts";
import { batch, codec, recordsIn, tempDir } from "./support.ts";

const managers: LogManager[] = [];

function openManager(dirs: string[]): LogManager {
  const manager = LogManager.open(dirs, { codec });
  managers.push(manager);
  return manager;
}

afterEach(() => {
  for (const m of managers.splice(0)) m.close();
});

describe("parseTopicPartition", () => {
  it("splits at the last '-'", () => {
    expect(parseTopicPartition("my-topic-12")).toEqual({ topic: "my-topic", partition: 12 });
    expect(parseTopicPartition("foo.bar-baz-0")).toEqual({ topic: "foo.bar-baz", partition: 0 });
    expect(parseTopicPartition("mango-3")).toEqual({ topic: "mango", partition: 3 });
  });

  it("rejects what is not a partition directory", () => {
    for (const name of ["junk", "foo-", "-1", "foo-01", "foo-x", "foo-0.5e2a1f-delete", "foo-0.5e2a1f-future", "foo-99999999999"]) {
      expect(parseTopicPartition(name), name).toBeUndefined();
    }
  });
});

describe("LogManager", () => {
  it("finds existing partition logs (the metadata log is one) and skips anything else", () => {
    const dir = tempDir();
    for (const name of ["my-topic-12", "__cluster_metadata-0", "foo-0.5e2a1f-delete", "lost+found"]) fs.mkdirSync(join(dir, name));
    fs.writeFileSync(join(dir, "my-topic-12", "00000000000000000000.log"), "");
    fs.writeFileSync(join(dir, "file-1"), "");
    const logs = openManager([dir]);
    expect(logs.getLog("my-topic", 12)?.logEndOffset).toBe(0n);
    expect(logs.getLog("__cluster_metadata", 0)?.logEndOffset).toBe(0n);
    expect(logs.getLog("file", 1)).toBeUndefined();
    expect(logs.getLog("my-topic", 0)).toBeUndefined();
  });

  it("creates a partition in the first log dir with partition.metadata and an empty segment", () => {
    const [first, second] = [tempDir(), tempDir()];
    fs.mkdirSync(join(second, "old-0"));
    const logs = openManager([first, second]);
    expect(logs.getLog("old", 0)).toBeDefined();

    const created = logs.createLog("new.topic", 2, "71a59a51-8968-4f8b-937e-2d59b2dc350e");
    expect(fs.readdirSync(join(first, "new.topic-2")).sort()).toEqual(["00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex", "partition.metadata"]);
    expect(readPartitionMetadata(join(first, "new.topic-2"))).toBe("71a59a51-8968-4f8b-937e-2d59b2dc350e");
    expect(logs.getLog("new.topic", 2)).toBe(created);
    expect(logs.createLog("new.topic", 2, "71a59a51-8968-4f8b-937e-2d59b2dc350e")).toBe(created);
  });

  it("keeps appended records across a restart", () => {
    const dir = tempDir();
    let logs = openManager([dir]);
    logs.createLog("t", 0, "71a59a51-8968-4f8b-937e-2d59b2dc350e").appendAsLeader(batch(["kept"]));
    logs.close();
    logs = openManager([dir]);
    const fetched = logs.getLog("t", 0)!.read(0n, 1 << 20, true);
    expect(fetched).not.toBe(OFFSET_OUT_OF_RANGE);
    expect(recordsIn((fetched as { records: Uint8Array }).records).map((r) => r.value)).toEqual(["kept"]);
  });

  it("deletes every partition of a topic and only that topic: renamed to -delete at once, removed in the background", async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, "gone-1"));
    const logs = openManager([dir]);
    logs.createLog("gone", 0, "71a59a51-8968-4f8b-937e-2d59b2dc350e");
    logs.createLog("gone-too", 0, "71a59a51-8968-4f8b-937e-2d59b2dc3500");
    logs.deleteLogs("gone");
    const renamed = fs.readdirSync(dir).filter((n) => n !== "gone-too-0").sort();
    expect(renamed.map((n) => n.replace(/\.[0-9a-f]{32}-delete$/, ".<id>-delete"))).toEqual(["gone-0.<id>-delete", "gone-1.<id>-delete"]);
    expect(logs.getLog("gone", 0)).toBeUndefined();
    expect(logs.getLog("gone", 1)).toBeUndefined();
    expect(logs.getLog("gone-too", 0)).toBeDefined();
    await logs.deletionsDone();
    expect(fs.readdirSync(dir)).toEqual(["gone-too-0"]);
  });

  it("removes -delete leftovers at start-up, and stray directories of unknown topics or other topic ids once asked", () => {
    const dir = tempDir();
    const current = "71a59a51-8968-4f8b-937e-2d59b2dc350e";
    const writer = openManager([dir]);
    writer.createLog("kept", 0, current);
    writer.createLog("recreated", 0, "11111111-8968-4f8b-937e-2d59b2dc350e");
    writer.createLog("unknown", 0, current);
    writer.close();
    fs.mkdirSync(join(dir, "old-0.0123456789abcdef0123456789abcdef-delete"));
    fs.mkdirSync(join(dir, "__consumer_offsets-0"));
    const warnings: string[] = [];
    const ids = new Map([["kept", current], ["recreated", current]]);
    const logs = LogManager.open([dir], { codec, log: { warn: (m) => warnings.push(m) } });
    managers.push(logs);
    expect(fs.existsSync(join(dir, "old-0.0123456789abcdef0123456789abcdef-delete"))).toBe(false);
    logs.removeStrayLogs((t) => ids.get(t));
    expect(fs.readdirSync(dir).filter((n) => n.endsWith("-0")).sort()).toEqual(["__consumer_offsets-0", "kept-0"]);
    expect(logs.getLog("kept", 0, current)).toBeDefined();
    expect(logs.getLog("__consumer_offsets", 0)).toBeDefined();
    expect(warnings).toEqual([expect.stringMatching(/removed 2 partition directories .*recreated-0.*unknown-0/)]);
  });

  it("skips entries that are not readable directories, and log dirs that are not, with a warning", () => {
    const dir = tempDir();
    fs.symlinkSync(join(dir, "nowhere"), join(dir, "dangling-0"));
    fs.writeFileSync(join(dir, "file-1"), "");
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) };
    const dangling = join(tempDir(), "dangling-log-dir");
    fs.symlinkSync(join(dir, "nowhere"), dangling);
    expect(LogManager.usableLogDirs([dangling, dir], log)).toEqual([dir]);
    const logs = LogManager.open([dir], { codec, log });
    managers.push(logs);
    expect(logs.getLog("dangling", 0)).toBeUndefined();
    expect(warnings).toEqual([
      `log.dirs entry ${dangling} is not a readable directory (ENOENT); skipped`,
      `${join(dir, "dangling-0")} is not a readable partition directory (ENOENT); skipped`,
      `${join(dir, "file-1")} is not a readable partition directory (ENOTDIR); skipped`,
    ]);
  });
});
