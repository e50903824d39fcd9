// Base stages (§3 "Base"): bind, correlation id, unsupported version, ApiVersions.
import { describe } from "vitest";
import { stage, useStageLifecycle } from "../helpers/stage.ts";
import { checkApiVersionsResponse } from "../helpers/tester-checks.ts";
import { apiVersionsRequest } from "../helpers/tester-requests.ts";
import { decodeCorrelationIdOnly, decodeUnsupportedVersion } from "../helpers/tester-responses.ts";

useStageLifecycle();

describe("base", () => {
  stage("vi6", "Bind to a port", async (s) => {
    await s.start();
    await s.connect(); // connecting is the whole check; the socket stays open until teardown
  }, 15_000);

  stage("nv3", "Send Correlation ID", async (s) => {
    await s.start();
    const client = await s.connect();
    decodeCorrelationIdOnly(await client.exchange(apiVersionsRequest(7)), 7);
  });

  stage("wa6", "Parse Correlation ID", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    decodeCorrelationIdOnly(await client.exchange(apiVersionsRequest(correlationId)), correlationId);
  });

  stage("nc5", "Parse API Version", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    const response = await client.exchange(apiVersionsRequest(correlationId, s.rng.int(1000, 1999)));
    decodeUnsupportedVersion(response, correlationId);
  });

  stage("pv1", "Handle ApiVersions requests", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    checkApiVersionsResponse(await client.exchange(apiVersionsRequest(correlationId)), correlationId);
  });
});
