// Storage errors are answers: a full disk (a small tmpfs, as root) or an injected errno gives
// KAFKA_STORAGE_ERROR for the partition, one log line naming the file and the errno, no partial batch
// in the segment, and produce works again once space is freed. CreateTopics that cannot create every
// partition leaves no topic behind.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import type { Logger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions, Fetch, ListOffsets, Metadata } from "../support/messages.ts";
import { createTopic, createTopicOk, fetchBody, produce, recordBatch } from "../support/requests.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Started {
  running: RunningBroker;
  client: RawClient;
  errors: string[];
}

async function start(logDir: string): Promise<Started> {
  const errors: string[] = [];
  const logger: Logger = { info: () => {}, debug: () => {}, warn: () => {}, error: (m) => errors.push(m) };
  const running = await startBroker({ logDirs: [logDir], logger });
  const client = await RawClient.connect(running.port);
  cleanups.push(async () => {
    client.close();
    await running.close();
  });
  return { running, client, errors };
}

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A 2 MiB tmpfs, or undefined when this process may not mount one (not root). */
function smallTmpfs(): string | undefined {
  const dir = tempDir("broker-full-disk-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  cleanups.push(() => void execFileSync("umount", ["-l", dir]));
  return dir;
}

/** Fills the file system holding `dir` with one file until ENOSPC; returns its path. */
function fill(dir: string): string {
  const filler = join(dir, "filler");
  const fd = fs.openSync(filler, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

function segmentFile(logDir: string, topic: string, partition = 0): string {
  return join(logDir, `${topic}-${partition}`, "00000000000000000000.log");
}

/** The segment holds whole batches only: its batches cover it exactly. */
function wholeBatches(file: string): number {
  const bytes = fs.readFileSync(file);
  let end = 0;
  let count = 0;
  for (const span of batchSpans(bytes)) {
    end = span.position + span.size;
    count++;
  }
  expect(end).toBe(bytes.length);
  return count;
}

const tmpfs = smallTmpfs();

describe("a full disk", () => {
  it.skipIf(!tmpfs)("answers KAFKA_STORAGE_ERROR, keeps the segment whole, serves reads, and produces again once space is freed", async () => {
    const logDir = join(tmpfs!, "logs");
    const { client, errors, running } = await start(logDir);
    await createTopicOk(client, "filling", 2);
    // Freed at the end with the filler: room for a produce and a new topic, whatever space the last acknowledged batch left.
    const reserve = join(tmpfs!, "reserve");
    fs.writeFileSync(reserve, Buffer.alloc(256 * 1024, 1));
    const value = Buffer.alloc(100 * 1024, 7);
    let acknowledged = 0;
    let answer;
    for (let i = 0; i < 40; i++) {
      answer = await produce(client, "filling", 0, recordBatch([value]));
      if (answer.errorCode !== ErrorCode.NONE) break;
      acknowledged++;
    }
    expect(answer!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(acknowledged).toBeGreaterThan(0);
    // Whatever space is left is taken too, so nothing can be written anywhere.
    const filler = fill(tmpfs!);
    expect((await produce(client, "filling", 1, recordBatch([value]))).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(wholeBatches(segmentFile(logDir, "filling"))).toBe(acknowledged);
    expect(errors[0]).toMatch(new RegExp(`${segmentFile(logDir, "filling").replace(/[.]/g, "\\.")}.*ENOSPC`));
    expect(new Set(errors).size).toBe(errors.length);

    // Reads keep working, and the connection is still open.
    const fetched = await client.request(Fetch.request, Fetch.response, 12, fetchBody("filling", [[0, 0n]], 1 << 20));
    expect(fetched.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: BigInt(acknowledged) });
    const offsets = await client.request(ListOffsets.request, ListOffsets.response, 7, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: "filling", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    });
    expect(offsets.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: BigInt(acknowledged) });

    // CreateTopics on the full disk answers an error and leaves no topic and no directory.
    expect(await createTopic(client, "no-room", 3)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    const meta = await client.request(Metadata.request, Metadata.response, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(meta.topics.map((t) => t.name)).toEqual(["filling"]);
    expect(fs.readdirSync(logDir).filter((n) => n.startsWith("no-room"))).toEqual([]);

    fs.rmSync(filler);
    fs.rmSync(reserve);
    expect(await produce(client, "filling", 0, recordBatch(["after"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: BigInt(acknowledged) });
    await createTopicOk(client, "no-room", 3);
    expect(running.broker.metadata.topicByName("no-room")?.partitions.size).toBe(3);
  });
});

describe("an injected errno", () => {
  it("EIO on write: KAFKA_STORAGE_ERROR for that partition only, one log line, no partial batch", async () => {
    const logDir = tempDir("broker-eio-");
    const { client, errors } = await start(logDir);
    await createTopicOk(client, "flaky", 2);
    expect((await produce(client, "flaky", 0, recordBatch(["one"]))).errorCode).toBe(ErrorCode.NONE);
    const writeSync = fs.writeSync;
    const broken = segmentFile(logDir, "flaky", 0);
    vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) !== broken) return writeSync(fd, buffer, offset, length, position);
      // Half the batch reaches the file, then the device fails.
      writeSync(fd, buffer, offset, Math.floor(length / 2), position);
      throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO", syscall: "write" });
    }) as typeof fs.writeSync);
    expect((await produce(client, "flaky", 0, recordBatch(["two"]))).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect((await produce(client, "flaky", 0, recordBatch(["three"]))).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect((await produce(client, "flaky", 1, recordBatch(["elsewhere"]))).errorCode).toBe(ErrorCode.NONE);
    expect(errors).toEqual([`write of ${broken} failed: EIO`]);
    expect(wholeBatches(broken)).toBe(1);
    vi.restoreAllMocks();
    expect(await produce(client, "flaky", 0, recordBatch(["four"]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
  });

  it("EMFILE when opening a segment: an error code, never a closed connection; CreateTopics leaves no topic", async () => {
    const logDir = tempDir("broker-emfile-");
    const { client, running } = await start(logDir);
    const openSync = fs.openSync;
    vi.spyOn(fs, "openSync").mockImplementation(((path: fs.PathLike, ...rest: never[]) => {
      if (String(path).startsWith(logDir) && String(path).endsWith(".log")) {
        throw Object.assign(new Error("EMFILE: too many open files, open"), { code: "EMFILE", syscall: "open" });
      }
      return (openSync as (...a: unknown[]) => number)(path, ...rest);
    }) as typeof fs.openSync);
    expect(await createTopic(client, "at-the-limit", 4)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(running.broker.metadata.topicByName("at-the-limit")).toBeUndefined();
    expect(fs.readdirSync(logDir).filter((n) => n.startsWith("at-the-limit"))).toEqual([]);
    const versions = await client.request(ApiVersions.request, ApiVersions.response, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(versions.errorCode).toBe(0);
    vi.restoreAllMocks();
    await createTopicOk(client, "at-the-limit", 4);
  });
});
