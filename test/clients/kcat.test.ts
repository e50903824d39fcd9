// kcat (librdkafka 2.0): keyed messages with headers in every compression codec, auto-created
// 3-partition topics, `kcat -L` metadata, and a consume from the beginning to the end.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { assertDelivered, keyedMessages, type ReceivedMessage, type SentMessage } from "./support/messages.ts";
import { runOk } from "./support/process.ts";
import { expectCompressedWith } from "./support/stored-batches.ts";
import { describeWith } from "../support/system-clients.ts";

const PARTITIONS = 3;
const COUNT = 1000;
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const KCAT_TIMEOUT_MS = 30_000;

let broker: TestBroker;

beforeAll(async () => {
  // kcat cannot create topics: producing to an unknown one auto-creates it with num.partitions.
  broker = await startTestBroker({ numPartitions: PARTITIONS });
});
afterAll(async () => {
  await broker?.dispose();
});

function kcat(args: string[], input?: string) {
  return runOk("kcat", ["-b", broker.bootstrap, "-q", ...args], { input, timeoutMs: KCAT_TIMEOUT_MS });
}

/** `-f '%p\t%o\t%k\t%s\t%h\n'`: kcat prints headers as `k=v,k=v`. */
function parseConsumed(stdout: string): ReceivedMessage[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [partition, offset, key, value, headers] = line.split("\t");
      return {
        partition: Number(partition),
        offset: Number(offset),
        key,
        value,
        headers: headers === "" ? [] : headers.split(",").map((h) => h.split("=", 2) as [string, string]),
      };
    });
}

describeWith(["kcat"], "kcat", () => {
  it.each(CODECS)("produces keyed messages with headers compressed with %s and consumes them back", async (codec) => {
    const topic = `kcat-${codec}`;
    // kcat sets the same headers (-H) on every message it produces.
    const sent: SentMessage[] = keyedMessages(COUNT, topic).map((m) => ({ ...m, headers: [["codec", codec], ["client", "kcat"]] }));
    await kcat(
      ["-P", "-t", topic, "-K:", "-H", `codec=${codec}`, "-H", "client=kcat", "-z", codec],
      sent.map((m) => `${m.key}:${m.value}\n`).join(""),
    );

    await expectCompressedWith(broker.port, topic, PARTITIONS, codec);

    const consumed = await kcat(["-C", "-t", topic, "-o", "beginning", "-e", "-f", "%p\t%o\t%k\t%s\t%h\n"]);
    assertDelivered(sent, parseConsumed(consumed.stdout), PARTITIONS);
  }, 60_000);

  it("lists the broker and the auto-created topic's partitions with -L", async () => {
    const topic = "kcat-listed";
    await kcat(["-P", "-t", topic, "-K:"], "k:v\n");
    const { stdout } = await kcat(["-L", "-J", "-t", topic]);
    const listing = JSON.parse(stdout);
    expect(listing.brokers).toEqual([{ id: 1, name: broker.bootstrap }]);
    expect(listing.controllerid).toBe(1);
    expect(listing.topics).toHaveLength(1);
    const [listed] = listing.topics;
    expect(listed.topic).toBe(topic);
    expect(listed.error).toBeUndefined();
    expect(listed.partitions.map((p: { partition: number; leader: number }) => [p.partition, p.leader])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  }, 30_000);
});
