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

  it("deletes every partition of a topic and only that topic", () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, "gone-1"));
    const logs = openManager([dir]);
    logs.createLog("gone", 0, "71a59a51-8968-4f8b-937e-2d59b2dc350e");
    logs.createLog("gone-too", 0, "71a59a51-8968-4f8b-937e-2d59b2dc3500");
    logs.deleteLogs("gone");
    expect(fs.readdirSync(dir)).toEqual(["gone-too-0"]);
    expect(logs.getLog("gone", 0)).toBeUndefined();
    expect(logs.getLog("gone", 1)).toBeUndefined();
    expect(logs.getLog("gone-too", 0)).toBeDefined();
  });
});
