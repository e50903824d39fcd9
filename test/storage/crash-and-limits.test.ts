// What only a broker process shows: kill -9 in the middle of deleting a 3,000-partition topic, then
// the same name created again (it must not serve the deleted records), and a 10,000-partition topic
// under `ulimit -n 1024` (segment files are opened on demand through a bounded cache).
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { buildOnce } from "../helpers/stage.ts";
import { BrokerChild } from "../support/broker-child.ts";
import { RawClient } from "../support/raw-client.ts";
import { DeleteTopics, Fetch, Produce } from "../support/messages.ts";
import { LARGE_REQUEST_TIMEOUT_MS, createTopicOk, fetchBody, produceBody, recordBatch } from "../support/requests.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(buildOnce, 300_000);

function tempDir(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "broker-crash-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startChild(logDir: string, nofile?: number): Promise<{ broker: BrokerChild; client: RawClient }> {
  const broker = await BrokerChild.start({ logDir, nofile, startTimeoutMs: 30_000 });
  const client = await RawClient.connect(broker.port);
  cleanups.push(async () => {
    client.close();
    await broker.stop();
  });
  return { broker, client };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function produceTo(client: RawClient, topic: string, partitions: number[]) {
  const body = produceBody(topic, partitions.map((index) => ({ index, records: recordBatch([`p${index}`]) })));
  const res = await client.request(Produce.request, Produce.response, 9, body, LARGE_REQUEST_TIMEOUT_MS);
  return res.responses[0].partitionResponses;
}

async function highWatermarks(client: RawClient, topic: string, partitions: number[]) {
  const body = fetchBody(topic, partitions.map((p): [number, bigint] => [p, 0n]), 64 << 20, 1 << 20);
  const res = await client.request(Fetch.request, Fetch.response, 12, body, LARGE_REQUEST_TIMEOUT_MS);
  return res.responses[0].partitions.map((p) => ({ errorCode: p.errorCode, highWatermark: p.highWatermark }));
}

describe("a broker process", () => {
  it("killed while deleting a 3,000-partition topic: re-creating the name serves none of the deleted records", async () => {
    const logDir = join(tempDir(), "logs");
    const first = await startChild(logDir);
    await createTopicOk(first.client, "doomed", 3000);
    const written = range(2950, 3000);
    expect((await produceTo(first.client, "doomed", written)).every((p) => p.errorCode === ErrorCode.NONE)).toBe(true);
    // Crash the broker as soon as the deletion is recorded, while it is still working through the directories.
    const metadataLog = join(logDir, "__cluster_metadata-0", "00000000000000000000.log");
    const recorded = fs.statSync(metadataLog).size;
    first.client.write(first.client.frame(DeleteTopics.request, 6, { topics: [{ name: "doomed", topicId: "00000000-0000-0000-0000-000000000000" }], timeoutMs: 30_000 }));
    const deadline = Date.now() + 10_000;
    while (fs.statSync(metadataLog).size === recorded && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await first.broker.kill();

    const second = await startChild(logDir);
    await createTopicOk(second.client, "doomed", 3000);
    const marks = await highWatermarks(second.client, "doomed", written);
    expect(marks.every((m) => m.errorCode === ErrorCode.NONE && m.highWatermark === 0n)).toBe(true);
    const dirs = fs.readdirSync(logDir).filter((n) => n.startsWith("doomed-"));
    expect(dirs.filter((n) => !/^doomed-\d+$/.test(n))).toEqual([]);
    expect(dirs).toHaveLength(3000);
  }, 120_000);

  it("serves a 10,000-partition topic under ulimit -n 1024, across a restart", async () => {
    const logDir = join(tempDir(), "logs");
    const partitions = range(0, 10_000);
    const first = await startChild(logDir, 1024);
    await createTopicOk(first.client, "wide", 10_000);
    const answers = await produceTo(first.client, "wide", partitions);
    expect(answers.filter((p) => p.errorCode !== ErrorCode.NONE)).toEqual([]);
    expect((await highWatermarks(first.client, "wide", partitions)).filter((m) => m.highWatermark !== 1n)).toEqual([]);
    await first.broker.stop();

    const second = await startChild(logDir, 1024);
    expect((await produceTo(second.client, "wide", partitions)).filter((p) => p.baseOffset !== 1n)).toEqual([]);
    expect((await highWatermarks(second.client, "wide", partitions)).filter((m) => m.highWatermark !== 2n)).toEqual([]);
    expect(second.broker.output).not.toMatch(/error/);
  }, 180_000);
});
