// A broker process killed with -9 and started again on the same log dir: every acknowledged record
// is served, offsets continue, and the checkpoints and clean-shutdown marker say what they should.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnce } from "../helpers/stage.ts";
import { BrokerChild } from "../support/broker-child.ts";
import { Fetch } from "../support/messages.ts";
import { RawClient } from "../support/raw-client.ts";
import { createTopicOk, fetchBody, produce, recordBatch } from "../support/requests.ts";
import { recordsIn } from "./support.ts";

const TOPIC = "crashy";
const PROPERTIES = { "log.segment.bytes": 4000, "log.flush.offset.checkpoint.interval.ms": 50 };

let root: string;
beforeAll(async () => {
  await buildOnce();
  root = mkdtempSync(join(tmpdir(), "crash-restart-"));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function produceValues(client: RawClient, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const answer = await produce(client, TOPIC, 0, recordBatch([`value-${i}`]));
    expect(answer.errorCode).toBe(0);
    expect(answer.baseOffset).toBe(BigInt(i));
  }
}

/** Every record of the partition, read from offset 0 with Fetch. */
async function fetchValues(client: RawClient): Promise<{ offset: bigint; value: string }[]> {
  const out: { offset: bigint; value: string }[] = [];
  for (let round = 0; round < 1000; round++) {
    const next = out.length === 0 ? 0n : out[out.length - 1].offset + 1n;
    const res = await client.request(Fetch.request, Fetch.response, 12, fetchBody(TOPIC, [[0, next]], 1 << 20));
    const part = res.responses[0].partitions[0];
    expect(part.errorCode).toBe(0);
    const got = recordsIn(part.records ?? new Uint8Array(0));
    if (got.length === 0) return out;
    out.push(...got);
  }
  throw new Error("fetch did not reach the log end");
}

async function withBroker<T>(logDir: string, body: (client: RawClient, broker: BrokerChild) => Promise<T>): Promise<T> {
  const broker = await BrokerChild.start({ logDir, properties: PROPERTIES });
  const client = await RawClient.connect(broker.port);
  try {
    return await body(client, broker);
  } finally {
    client.close();
    await broker.stop();
  }
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("restart after kill -9", () => {
  it("serves every acknowledged record and continues the offsets", async () => {
    const logDir = join(root, "killed");
    const checkpoint = join(logDir, "recovery-point-offset-checkpoint");
    await withBroker(logDir, async (client, broker) => {
      await createTopicOk(client, TOPIC);
      await produceValues(client, 0, 200);
      await waitFor(() => existsSync(checkpoint) && readFileSync(checkpoint, "utf8").includes(`${TOPIC} 0 `), "a recovery-point checkpoint");
      await broker.kill();
    });
    expect(existsSync(join(logDir, ".kafka_cleanshutdown"))).toBe(false);

    await withBroker(logDir, async (client) => {
      const before = await fetchValues(client);
      expect(before.map((r) => r.value)).toEqual(Array.from({ length: 200 }, (_, i) => `value-${i}`));
      expect(before.map((r) => r.offset)).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i)));
      await produceValues(client, 200, 10);
    });
    // Stopped with SIGTERM: a clean shutdown, recorded as such, with the recovery point at the log end.
    expect(existsSync(join(logDir, ".kafka_cleanshutdown"))).toBe(true);
    expect(readFileSync(checkpoint, "utf8")).toContain(`${TOPIC} 0 210\n`);

    await withBroker(logDir, async (client) => {
      expect((await fetchValues(client)).map((r) => r.value)).toEqual(Array.from({ length: 210 }, (_, i) => `value-${i}`));
    });
  }, 60_000);
});
