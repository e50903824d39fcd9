// Bounded memory per connection, measured on a broker child process's RSS: a client that pipelines
// Fetches and never reads, and one Fetch naming the same partition 40 times with max_bytes 2^31-1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnce } from "../helpers/stage.ts";
import { BrokerChild } from "../support/broker-child.ts";
import { RawClient, decodeResponse } from "../support/raw-client.ts";
import { ApiVersions, Fetch } from "../support/messages.ts";
import { createTopicOk, fetchBody, produce, recordBatch } from "../support/requests.ts";

const MiB = 1024 * 1024;
/** 16 batches just under message.max.bytes: a 16 MiB partition. */
const BATCHES = 16;
const VALUE_BYTES = 1024 * 1024 - 200;
const PIPELINED_FETCHES = 40;
/**
 * What one stuck connection may add to the broker's RSS: one unsent response (16 MiB here), the
 * 1 MiB of buffered requests, and allocator/GC slack. Without muting this is 40 x 16 MiB.
 */
const STUCK_READER_BOUND = 64 * MiB;
const FETCH_MAX_BYTES = 57671680;

let root: string;
let broker: BrokerChild;
let client: RawClient;

beforeAll(async () => {
  await buildOnce();
  root = mkdtempSync(join(tmpdir(), "broker-memory-"));
  broker = await BrokerChild.start({ logDir: join(root, "logs") });
  client = await RawClient.connect(broker.port);
  await createTopicOk(client, "big");
  for (let i = 0; i < BATCHES; i++) {
    const answer = await produce(client, "big", 0, recordBatch([Buffer.alloc(VALUE_BYTES, i)]));
    expect(answer.errorCode).toBe(0);
  }
  // Warm up the read path so the baseline holds what any fetch of this partition costs once.
  await fetchAll(client, 1);
}, 120_000);

afterAll(async () => {
  client?.close();
  await broker?.stop();
  rmSync(root, { recursive: true, force: true });
});

function fetchFrame(c: RawClient, partitions: [number, bigint][], maxBytes: number, partitionMaxBytes: number): Uint8Array {
  return c.frame(Fetch.request, 12, fetchBody("big", partitions, maxBytes, partitionMaxBytes));
}

/** Sends `count` pipelined 16 MiB Fetches and reads every response; returns the record bytes of each. */
async function fetchAll(c: RawClient, count: number): Promise<number[]> {
  for (let i = 0; i < count; i++) c.write(fetchFrame(c, [[0, 0n]], 32 * MiB, 16 * MiB));
  const sizes = [];
  for (let i = 0; i < count; i++) sizes.push(recordBytes(await c.readFrame(30_000), 12));
  return sizes;
}

function recordBytes(frame: Uint8Array | null, version: number): number {
  if (!frame) throw new Error("the broker closed the connection");
  const res = decodeResponse(frame, Fetch.request, Fetch.response, version);
  return res.responses.flatMap((t) => t.partitions).reduce((sum, p) => sum + (p.records?.length ?? 0), 0);
}

/** The largest RSS seen while sampling for `ms` (a measurement window, not a wait for anything). */
async function peakRss(ms: number): Promise<number> {
  let peak = broker.rssBytes();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 25));
    peak = Math.max(peak, broker.rssBytes());
  }
  return peak;
}

describe("memory per connection", () => {
  it("a client that pipelines Fetches and never reads holds one response, then gets every answer in order", async () => {
    const stuck = await RawClient.connect(broker.port);
    stuck.socket.pause();
    const before = broker.rssBytes();
    for (let i = 0; i < PIPELINED_FETCHES; i++) stuck.write(fetchFrame(stuck, [[0, 0n]], 32 * MiB, 16 * MiB));
    const peak = await peakRss(3000);
    console.log(`stuck reader: RSS ${(before / MiB).toFixed(0)} MiB -> peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - before) / MiB).toFixed(1)} MiB)`);
    expect(peak - before).toBeLessThan(STUCK_READER_BOUND);
    // Other clients are served meanwhile.
    const other = await RawClient.connect(broker.port);
    const versions = await other.request(ApiVersions.request, ApiVersions.response, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(versions.errorCode).toBe(0);
    other.close();
    stuck.socket.resume();
    for (let i = 0; i < PIPELINED_FETCHES; i++) expect(recordBytes(await stuck.readFrame(30_000), 12)).toBeGreaterThan(15 * MiB);
    stuck.close();
  }, 120_000);

  it("one Fetch naming a partition 40 times is capped by fetch.max.bytes", async () => {
    const before = broker.rssBytes();
    const partitions = Array.from({ length: 40 }, (): [number, bigint] => [0, 0n]);
    client.write(fetchFrame(client, partitions, 0x7fffffff, 0x7fffffff));
    const bytes = recordBytes(await client.readFrame(60_000), 12);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(FETCH_MAX_BYTES);
    const after = broker.rssBytes();
    console.log(`duplicated-partition Fetch: ${(bytes / MiB).toFixed(1)} MiB of records, RSS +${((after - before) / MiB).toFixed(1)} MiB`);
  }, 120_000);
});
