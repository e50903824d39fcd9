// Self-checks of the tester-side requests, decoders and checks against real bytes: each request encoder
// must reproduce the tester's request from the transcripts, and real Kafka 4.0's responses must pass every
// check the stages apply (test/fixtures/protocol holds both, copied from the transcripts).
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { fromHex, toHex } from "./bytes.ts";
import { repoRoot } from "./broker-process.ts";
import { partitionLogBatches } from "./kafka-files.ts";
import {
  PRODUCE_SUCCESS, PRODUCE_UNKNOWN, checkApiVersionsResponse, checkDescribedTopics, checkFetchedTopic, checkProducedTopics,
} from "./tester-checks.ts";
import { TesterClient } from "./tester-client.ts";
import {
  API_DESCRIBE_TOPIC_PARTITIONS, API_FETCH, API_PRODUCE, apiVersionsRequest, describeTopicPartitionsRequest, fetchRequest,
  produceRequest, type ProduceTopic,
} from "./tester-requests.ts";
import {
  checkMessageSize, decodeCorrelationIdOnly, decodeDescribeTopicPartitionsResponse, decodeFetchResponse,
  decodeProduceResponse, decodeUnsupportedVersion,
} from "./tester-responses.ts";

const fixture = (name: string) => fromHex(readFileSync(join(repoRoot, "test", "fixtures", "protocol", `${name}.hex`), "utf8"));
const id = (suffix: string) => `71a59a51-8968-4f8b-937e-${suffix}`;

const PRODUCE_REQUESTS: Record<string, [number, ProduceTopic[]]> = {
  "ls8-Produce-request-1": [0x7b4d6d13, [{ name: "pineapple", partitions: [{ index: 0, values: ["apple"] }] }]],
  "gg1-Produce-request-1": [0x517f2d86, [{ name: "apple", partitions: [{ index: 0, values: ["apple"] }] }]],
  "zf2-Produce-request-1": [0x47b36978, [{ name: "orange", partitions: [{ index: 720, values: ["mango"] }] }]],
  "zf2-Produce-request-2": [0x27115736, [{ name: "pear", partitions: [{ index: 0, values: ["pear"] }] }]],
  "yd8-Produce-request-1": [0x7c6a25f8,
    [{ name: "apple", partitions: [{ index: 0, values: ["pineapple", "raspberry", "blueberry"] }] }]],
  "ct4-Produce-request-1": [0x5cf555e7, [{ name: "pear", partitions: [
    { index: 0, values: ["grape", "raspberry", "orange"] }, { index: 1, values: ["orange", "raspberry"] }] }]],
  "ov0-Produce-request-1": [0x63611789, [
    { name: "strawberry", partitions: [{ index: 0, values: ["apple", "mango"] }] },
    { name: "grape", partitions: [{ index: 0, values: ["apple", "banana", "orange"] }] }]],
};

describe("requests reproduce the tester's bytes", () => {
  const cases: [string, Buffer][] = [
    ["pv1-ApiVersions-request-1", apiVersionsRequest(0x0a95c1bf)],
    ["nv3-ApiVersions-request-1", apiVersionsRequest(7)],
    ["nc5-ApiVersions-request-1", apiVersionsRequest(0x605a05cd, 1698)],
    ["ea7-DescribeTopicPartitions-request-1", describeTopicPartitionsRequest(0x7076db55, ["mango"], 1)],
    ["ku4-DescribeTopicPartitions-request-1", describeTopicPartitionsRequest(0x01ee847e, ["apple"], 2)],
    ["vt6-DescribeTopicPartitions-request-1", describeTopicPartitionsRequest(0x7d7b4a94, ["UNKNOWN_TOPIC_92"], 1)],
    ["wq2-DescribeTopicPartitions-request-1", describeTopicPartitionsRequest(0x73dba9a0, ["banana", "raspberry"], 3)],
    ["dh6-Fetch-request-1", fetchRequest(0x605a05cd, null)],
    ["eg2-Fetch-request-1", fetchRequest(0x018d2f37, id("b2dc350e60ec"))],
    ["hn6-Fetch-request-1", fetchRequest(0x7602b058, id("000000000479"))],
    ...Object.entries(PRODUCE_REQUESTS).map(([name, [corr, topics]]): [string, Buffer] => [name, produceRequest(corr, topics)]),
  ];
  test.each(cases)("%s", (name, bytes) => {
    expect(toHex(bytes)).toBe(toHex(fixture(name)));
  });
});

describe("real Kafka's responses pass the stage checks", () => {
  test("ApiVersions (pv1, nh4, sk0, yk1, gs0, xz1 checks)", () => {
    const extra = [
      { apiKey: API_DESCRIBE_TOPIC_PARTITIONS, maxVersion: 0 }, { apiKey: API_FETCH, maxVersion: 16 },
      { apiKey: API_PRODUCE, maxVersion: 11 },
    ];
    checkApiVersionsResponse(fixture("pv1-ApiVersions-response-1"), 0x0a95c1bf, extra);
    checkApiVersionsResponse(fixture("nh4-ApiVersions-response-2"), 0x605a05cd);
    checkApiVersionsResponse(fixture("sk0-ApiVersions-response-1"), 0x70d88115);
    decodeCorrelationIdOnly(fixture("nv3-ApiVersions-response-1"), 7);
    decodeCorrelationIdOnly(fixture("wa6-ApiVersions-response-1"), 0x0f2e14fa);
    decodeUnsupportedVersion(fixture("nc5-ApiVersions-response-1"), 0x605a05cd);
  });

  test("DescribeTopicPartitions (vt6, ea7, ku4, wq2)", () => {
    const check = (name: string, corr: number, expected: Parameters<typeof checkDescribedTopics>[1]) => {
      const response = fixture(name);
      checkMessageSize(response);
      checkDescribedTopics(decodeDescribeTopicPartitionsResponse(response, corr, expected.length), expected);
    };
    const p = (n: number) => Array.from({ length: n }, (_, i) => ({ errorCode: 0, partitionIndex: i }));
    check("vt6-DescribeTopicPartitions-response-1", 0x7d7b4a94,
      [{ errorCode: 3, name: "UNKNOWN_TOPIC_92", topicId: "00000000-0000-0000-0000-000000000000", partitions: [] }]);
    check("ea7-DescribeTopicPartitions-response-1", 0x7076db55,
      [{ errorCode: 0, name: "mango", topicId: id("2d59b2dc350e"), partitions: p(1) }]);
    check("ku4-DescribeTopicPartitions-response-1", 0x01ee847e,
      [{ errorCode: 0, name: "apple", topicId: id("7e97ccdaaa9c"), partitions: p(2) }]);
    check("wq2-DescribeTopicPartitions-response-1", 0x73dba9a0, [
      { errorCode: 0, name: "raspberry", topicId: id("0000000004cb"), partitions: p(2) },
      { errorCode: 0, name: "banana", topicId: id("0000000001ac"), partitions: p(1) },
    ]);
  });

  test("Fetch (dh6, hn6, cm4, eg2, fd8)", () => {
    const decode = (name: string, corr: number, count: number) => {
      const response = fixture(name);
      checkMessageSize(response);
      return decodeFetchResponse(response, corr, count);
    };
    expect(decode("dh6-Fetch-response-1", 0x605a05cd, 0)).toEqual([]);
    checkFetchedTopic(decode("hn6-Fetch-response-1", 0x7602b058, 1), { topicId: id("000000000479"), errorCode: 100 });
    checkFetchedTopic(decode("cm4-Fetch-response-1", 0x5cdd07a9, 1), { topicId: id("71087585a62d"), errorCode: 0 });
    checkFetchedTopic(decode("eg2-Fetch-response-1", 0x018d2f37, 1),
      { topicId: id("b2dc350e60ec"), errorCode: 0, batches: partitionLogBatches(["pineapple"]) });
    checkFetchedTopic(decode("fd8-Fetch-response-1", 0x0b657e30, 1),
      { topicId: id("aaa9c9b1a62c"), errorCode: 0, batches: partitionLogBatches(["raspberry", "pineapple"]) });
  });

  test("Produce (zf2, gg1, yd8, ct4 with partitions answered as [1, 0], ov0)", () => {
    const check = (name: string, request: string, expected: typeof PRODUCE_SUCCESS) => {
      const response = fixture(name);
      const [corr, topics] = PRODUCE_REQUESTS[request];
      checkMessageSize(response);
      checkProducedTopics(decodeProduceResponse(response, corr), topics, expected);
    };
    check("zf2-Produce-response-1", "zf2-Produce-request-1", PRODUCE_UNKNOWN);
    check("zf2-Produce-response-2", "zf2-Produce-request-2", PRODUCE_UNKNOWN);
    check("gg1-Produce-response-1", "gg1-Produce-request-1", PRODUCE_SUCCESS);
    check("yd8-Produce-response-1", "yd8-Produce-request-1", PRODUCE_SUCCESS);
    check("ct4-Produce-response-1", "ct4-Produce-request-1", PRODUCE_SUCCESS);
    check("ov0-Produce-response-1", "ov0-Produce-request-1", PRODUCE_SUCCESS);
  });
});

describe("the checks catch the classic mistakes (§6)", () => {
  const pv1 = () => fixture("pv1-ApiVersions-response-1");

  test("message_size that counts itself", () => {
    const r = pv1();
    r.writeInt32BE(r.length, 0);
    expect(() => checkMessageSize(r)).toThrow(/should not count itself/);
  });

  test("a tag byte after the ApiVersions correlation id (header v1 instead of v0)", () => {
    const r = pv1();
    const shifted = Buffer.concat([r.subarray(0, 8), Buffer.from([0]), r.subarray(8)]);
    shifted.writeInt32BE(shifted.length - 4, 0);
    expect(() => checkApiVersionsResponse(shifted, 0x0a95c1bf)).toThrow();
  });

  test("Fetch with null responses (00) fails dh6's raw length byte", () => {
    const r = fixture("dh6-Fetch-response-1");
    r[r.length - 2] = 0;
    expect(() => decodeFetchResponse(r, 0x605a05cd, 0)).toThrow(/responses length byte to be 0x01/);
  });

  test("DTP topics out of name order", () => {
    const r = fixture("wq2-DescribeTopicPartitions-response-1");
    const topics = decodeDescribeTopicPartitionsResponse(r, 0x73dba9a0, 2).reverse();
    expect(() => checkDescribedTopics(topics, topics)).toThrow(/topics\[0\].name/);
  });

  test("a re-serialised header count (−1 → 0) fails the Fetch byte comparison or CRC", () => {
    const r = fixture("eg2-Fetch-response-1");
    r[r.length - 4] = 0x00; // the record's header count, before three empty tag buffers
    expect(() => decodeFetchResponse(r, 0x018d2f37, 1)).toThrow(/CRC mismatch/);
  });
});

describe("TesterClient read window", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(onRequest: (reply: (b: Buffer) => void) => void): Promise<number> {
    server = createServer((socket) => socket.once("data", () => onRequest((b) => socket.write(b))));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    return (server.address() as { port: number }).port;
  }

  test("bytes sent more than 100 ms after the first byte are not part of the response", async () => {
    const response = fixture("nc5-ApiVersions-response-1");
    const port = await serve((reply) => {
      reply(response.subarray(0, 10));
      setTimeout(() => reply(response.subarray(10)), 300); // the late half is the scenario under test
    });
    const client = await TesterClient.connect({ port, deadline: Date.now() + 2000, programHasExited: () => false });
    try {
      const received = await client.exchange(apiVersionsRequest(0x605a05cd, 1698));
      expect(received.length).toBe(10);
      expect(() => checkMessageSize(received)).toThrow(/message size/);
    } finally {
      client.close();
    }
  });

  test("a response written in one go is received whole", async () => {
    const response = fixture("pv1-ApiVersions-response-1");
    const port = await serve((reply) => reply(response));
    const client = await TesterClient.connect({ port, deadline: Date.now() + 2000, programHasExited: () => false });
    try {
      const received = await client.exchange(apiVersionsRequest(0x0a95c1bf));
      expect(received.equals(response)).toBe(true);
    } finally {
      client.close();
    }
  });

  test("a program that exited is reported as terminated, without waiting for the deadline", async () => {
    await expect(TesterClient.connect({ port: 1, deadline: Date.now() + 60_000, programHasExited: () => true }))
      .rejects.toThrow(/Looks like your program has terminated/);
  });
});
