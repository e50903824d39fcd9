// Start-up survives damage and says where it is: a corrupt batch in an internal log truncates it there,
// a garbage segment is cut to its last valid batch, a log.dirs entry that is no directory is skipped,
// and directories the metadata log no longer knows (a truncated metadata log) are never served again.
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import type { Logger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { CLEAN_SHUTDOWN_FILE } from "../../src/storage/log-manager.ts";
import { RawClient } from "../support/raw-client.ts";
import { Fetch } from "../support/messages.ts";
import { createTopicOk, fetchBody, produce, recordBatch } from "../support/requests.ts";

const SEGMENT = "00000000000000000000.log";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "broker-damage-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Started {
  running: RunningBroker;
  warnings: string[];
  errors: string[];
  client(): Promise<RawClient>;
  close(): Promise<void>;
}

async function start(logDirs: string[]): Promise<Started> {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger: Logger = { info: () => {}, debug: () => {}, warn: (m) => warnings.push(m), error: (m) => errors.push(m) };
  const running = await startBroker({ logDirs, logger });
  const clients: RawClient[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of clients) c.close();
    await running.close();
  };
  cleanups.push(close);
  return {
    running, warnings, errors, close,
    async client() {
      const c = await RawClient.connect(running.port);
      clients.push(c);
      return c;
    },
  };
}

/** [position, size] of each batch in a file. */
function spans(file: string): [number, number][] {
  return [...batchSpans(fs.readFileSync(file))].map((s) => [s.position, s.size]);
}

function flipByte(file: string, position: number): void {
  const fd = fs.openSync(file, "r+");
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, position);
  b[0] ^= 0xff;
  fs.writeSync(fd, b, 0, 1, position);
  fs.closeSync(fd);
}

async function commit(running: RunningBroker, offset: bigint): Promise<void> {
  const error = await running.broker.groupCoordinator.commitOffsets({
    groupId: "g", generationId: -1, memberId: "", groupInstanceId: null,
    offsets: [{ topic: "t", partition: 0, offset, leaderEpoch: -1, metadata: "", commitTimestamp: 1n }],
  });
  expect(error).toBe(ErrorCode.NONE);
}

function committed(running: RunningBroker): bigint | undefined {
  return running.broker.groupCoordinator.fetchOffsets("g", [{ name: "t", partitions: [0] }]).get("t")?.get(0)?.offset;
}

async function fetchRecords(client: RawClient, topic: string) {
  const res = await client.request(Fetch.request, Fetch.response, 12, fetchBody(topic, [[0, 0n]], 1 << 20));
  return res.responses[0].partitions[0];
}

describe("start-up with damaged files", () => {
  it("a corrupt middle batch of __consumer_offsets truncates it there with one warning naming file, byte and bytes cut", async () => {
    const dir = tempDir();
    const first = await start([dir]);
    const c = await first.client();
    await createTopicOk(c, "t");
    for (const offset of [10n, 20n, 30n]) await commit(first.running, offset);
    await first.close();
    const file = join(dir, "__consumer_offsets-0", SEGMENT);
    const batches = spans(file);
    expect(batches).toHaveLength(3);
    const [middle, size] = batches[1];
    flipByte(file, middle + size - 3);

    const second = await start([dir]);
    const cut = fs.statSync(file).size;
    expect(second.warnings).toEqual([`${file}: corrupt record batch at byte ${middle}; log truncated there, ${batches[2][0] + batches[2][1] - middle} bytes cut`]);
    expect(cut).toBe(middle);
    expect(committed(second.running)).toBe(10n);
    await commit(second.running, 40n);
    await second.close();
    const third = await start([dir]);
    expect(third.warnings).toEqual([]);
    expect(committed(third.running)).toBe(40n);
  });

  it("a corrupt batch in __cluster_metadata truncates it there, and the lost topic's directory is removed, not served", async () => {
    const dir = tempDir();
    const first = await start([dir]);
    const c = await first.client();
    for (const name of ["kept", "lost", "after"]) await createTopicOk(c, name);
    expect((await produce(c, "lost", 0, recordBatch(["deleted data"]))).errorCode).toBe(ErrorCode.NONE);
    await first.close();
    const file = join(dir, "__cluster_metadata-0", SEGMENT);
    const [[, keptSize], [lostAt, lostSize], [, afterSize]] = spans(file);
    flipByte(file, lostAt + lostSize - 1);

    const second = await start([dir]);
    expect(second.warnings).toEqual([
      `${file}: corrupt record batch at byte ${keptSize}; log truncated there, ${lostSize + afterSize} bytes cut`,
      expect.stringMatching(/removed 2 partition directories .*(lost-0.*after-0|after-0.*lost-0)/),
    ]);
    expect(fs.existsSync(join(dir, "lost-0"))).toBe(false);
    expect(second.running.broker.metadata.topics().map((t) => t.name)).toEqual(["kept"]);
    const c2 = await second.client();
    await createTopicOk(c2, "lost");
    const p = await fetchRecords(c2, "lost");
    expect(p).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 0n });
  });

  it("a truncated metadata log: the topics it lost vanish with their directories, and re-creating one brings no old data", async () => {
    const dir = tempDir();
    const first = await start([dir]);
    const c = await first.client();
    await createTopicOk(c, "kept");
    await createTopicOk(c, "lost");
    expect((await produce(c, "lost", 0, recordBatch(["deleted data"]))).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(c, "kept", 0, recordBatch(["kept data"]))).errorCode).toBe(ErrorCode.NONE);
    await first.close();
    const file = join(dir, "__cluster_metadata-0", SEGMENT);
    fs.truncateSync(file, spans(file)[0][1]);

    const second = await start([dir]);
    const c2 = await second.client();
    expect((await fetchRecords(c2, "kept")).highWatermark).toBe(1n);
    await createTopicOk(c2, "lost");
    expect((await fetchRecords(c2, "lost")).highWatermark).toBe(0n);
  });

  it("a segment of garbage is cut to its last valid batch with a warning naming file, byte and bytes cut", async () => {
    const dir = tempDir();
    const first = await start([dir]);
    const c = await first.client();
    await createTopicOk(c, "damaged");
    for (const v of ["a", "b"]) expect((await produce(c, "damaged", 0, recordBatch([v]))).errorCode).toBe(ErrorCode.NONE);
    await first.close();
    const file = join(dir, "damaged-0", SEGMENT);
    const valid = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.alloc(5000, 0xab));
    // As after a crash: without the clean-shutdown marker every segment is recovered.
    fs.rmSync(join(dir, CLEAN_SHUTDOWN_FILE));

    const second = await start([dir]);
    const c2 = await second.client();
    expect((await fetchRecords(c2, "damaged")).highWatermark).toBe(2n);
    expect(second.warnings).toEqual([`${file}: damaged or torn data at byte ${valid}; truncated, 5000 bytes cut`]);

    await second.close();
    fs.writeFileSync(file, Buffer.alloc(3000, 0x5a));
    fs.rmSync(join(dir, CLEAN_SHUTDOWN_FILE));
    const third = await start([dir]);
    const c3 = await third.client();
    expect((await fetchRecords(c3, "damaged")).highWatermark).toBe(0n);
    expect(third.warnings).toEqual([`${file}: damaged or torn data at byte 0; truncated, 3000 bytes cut`]);
  });

  it("a dangling symlink in log.dirs is skipped with a warning; the broker starts on the others", async () => {
    const dir = tempDir();
    const dangling = join(tempDir(), "gone");
    fs.symlinkSync(join(dir, "does-not-exist"), dangling);
    const started = await start([dangling, dir]);
    expect(started.warnings).toEqual([`log.dirs entry ${dangling} is not a readable directory (ENOENT); skipped`]);
    await createTopicOk(await started.client(), "works");
    expect(fs.existsSync(join(dir, "works-0", SEGMENT))).toBe(true);
  });
});
