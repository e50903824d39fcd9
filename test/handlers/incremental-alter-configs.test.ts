// IncrementalAlterConfigs at the protocol level: SET and DELETE, APPEND and SUBTRACT on a list
// config (cleanup.policy, starting from its default), validate_only, and the refusals: a bad
// value (INVALID_CONFIG), APPEND to a config that is not a list and duplicate keys (INVALID_REQUEST),
// a broker config (read-only), an unknown topic. DescribeConfigs shows each result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import * as describeReq from "../../src/protocol/generated/describe-configs-request.ts";
import * as describeRes from "../../src/protocol/generated/describe-configs-response.ts";
import * as incrementalReq from "../../src/protocol/generated/incremental-alter-configs-request.ts";
import * as incrementalRes from "../../src/protocol/generated/incremental-alter-configs-response.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { apiPair } from "../support/api-pair.ts";
import { RawClient } from "../support/raw-client.ts";
import { createTopicOk } from "../support/requests.ts";

const DescribeConfigs = apiPair(describeReq.DESCRIBE_CONFIGS_REQUEST, describeReq.encodeDescribeConfigsRequest, describeRes.decodeDescribeConfigsResponse);
const IncrementalAlterConfigs = apiPair(
  incrementalReq.INCREMENTAL_ALTER_CONFIGS_REQUEST,
  incrementalReq.encodeIncrementalAlterConfigsRequest,
  incrementalRes.decodeIncrementalAlterConfigsResponse,
);
const TOPIC = 2;
const BROKER = 4;
const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3];

let broker: TestBroker;
let client: RawClient;

beforeAll(async () => {
  broker = await startTestBroker();
  client = await RawClient.connect(broker.port);
  await createTopicOk(client, "altered");
});
afterAll(async () => {
  client?.close();
  await broker?.dispose();
});

async function alter(configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false, resourceType = TOPIC, resourceName = "altered") {
  const res = await client.request(IncrementalAlterConfigs.request, IncrementalAlterConfigs.response, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly });
  return res.responses[0];
}

async function described(name: string): Promise<{ value: string | null; configSource?: number; synonyms?: unknown[]; documentation?: string | null }> {
  const res = await client.request(DescribeConfigs.request, DescribeConfigs.response, 4, {
    resources: [{ resourceType: TOPIC, resourceName: "altered", configurationKeys: [name] }],
    includeSynonyms: true,
    includeDocumentation: true,
  });
  return res.results[0].configs[0];
}

describe("IncrementalAlterConfigs", () => {
  it("sets and deletes overrides, and appends to and subtracts from a list", async () => {
    expect(await alter([{ name: "retention.ms", configOperation: SET, value: "60000" }])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await described("retention.ms")).toMatchObject({ value: "60000", configSource: 1 });
    expect((await described("retention.ms")).synonyms).toEqual([
      { name: "retention.ms", value: "60000", source: 1 },
      { name: "log.retention.hours", value: "168", source: 5 },
    ]);
    expect((await described("retention.ms")).documentation).toMatch(/How long a segment is kept/);
    expect(await alter([{ name: "retention.ms", configOperation: DELETE, value: null }])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await described("retention.ms")).toMatchObject({ value: "604800000", configSource: 5 });

    expect(await alter([{ name: "cleanup.policy", configOperation: APPEND, value: "compact" }])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect((await described("cleanup.policy")).value).toBe("delete,compact");
    expect(await alter([{ name: "cleanup.policy", configOperation: SUBTRACT, value: "delete" }])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect((await described("cleanup.policy")).value).toBe("compact");
  });

  it("changes nothing with validate_only", async () => {
    expect(await alter([{ name: "segment.bytes", configOperation: SET, value: "4096" }], true)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await described("segment.bytes")).toMatchObject({ value: "1073741824", configSource: 5 });
  });

  it("refuses bad values, misused operations, broker configs and unknown topics", async () => {
    expect(await alter([{ name: "segment.bytes", configOperation: SET, value: "1" }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(await alter([{ name: "no.such.config", configOperation: SET, value: "1" }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(await alter([{ name: "retention.ms", configOperation: APPEND, value: "1" }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(
      await alter([
        { name: "retention.ms", configOperation: SET, value: "1" },
        { name: "retention.ms", configOperation: SET, value: "2" },
      ]),
    ).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(await alter([{ name: "log.retention.hours", configOperation: SET, value: "1" }], false, BROKER, "1")).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(await alter([{ name: "retention.ms", configOperation: SET, value: "1" }], false, TOPIC, "missing")).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    expect(await described("segment.bytes")).toMatchObject({ value: "1073741824" });
  });
});
