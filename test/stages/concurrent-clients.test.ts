// Concurrent-clients stages (§3): serial requests on one connection, then several connections at once.
import { describe } from "vitest";
import { stage, useStageLifecycle } from "../helpers/stage.ts";
import { checkApiVersionsResponse } from "../helpers/tester-checks.ts";
import { apiVersionsRequest } from "../helpers/tester-requests.ts";

useStageLifecycle();

describe("concurrent clients", () => {
  stage("nh4", "Serial requests", async (s) => {
    await s.start();
    const client = await s.connect();
    // The tester reuses one correlation id for every request on the connection.
    const correlationId = s.rng.correlationId();
    const count = s.rng.int(2, 4);
    for (let i = 0; i < count; i++) {
      checkApiVersionsResponse(await client.exchange(apiVersionsRequest(correlationId)), correlationId);
    }
  });

  stage("sk0", "Concurrent requests", async (s) => {
    await s.start();
    const count = s.rng.int(2, 3);
    const clients = [];
    for (let i = 0; i < count; i++) clients.push(await s.connect());
    const correlationIds = clients.map(() => s.rng.correlationId());
    for (const [i, client] of clients.entries()) await client.send(apiVersionsRequest(correlationIds[i]));
    // Nobody reads until everyone has sent; then responses are read from the last client to the first.
    for (let i = count - 1; i >= 0; i--) {
      checkApiVersionsResponse(await clients[i].receive(), correlationIds[i]);
    }
  });
});
