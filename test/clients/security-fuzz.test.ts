// Unauthenticated garbage against a SASL listener never reaches a handler other than ApiVersions
// and the SASL ones: random frames (any api key, version and body) and random bytes, each on its own
// connection, leave the broker serving and every other handler uncalled.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type SecureBroker, startSecureBroker } from "./support/secure-broker.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions } from "../support/messages.ts";
import { ApiKey } from "../../src/protocol/generated/api-keys.ts";
import type { ApiHandler } from "../../src/handlers/api.ts";
import { describeWith } from "../support/system-clients.ts";

const BEFORE_AUTHENTICATION = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

let secure: SecureBroker;
const reached: string[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  secure = await startSecureBroker();
  // Every handler that may not run before authentication records that it ran.
  const apis = secure.broker.running.broker.apis;
  for (const { apiKey } of apis.advertised()) {
    if (BEFORE_AUTHENTICATION.has(apiKey)) continue;
    const handler = apis.get(apiKey) as { handle: ApiHandler["handle"]; name: string };
    const original = handler.handle;
    handler.handle = (ctx, req) => {
      if (ctx.listener.sasl) reached.push(handler.name);
      return original(ctx, req);
    };
    restore.push(() => (handler.handle = original));
  }
});
afterAll(async () => {
  for (const r of restore) r();
  await secure?.dispose();
});

function frame(apiKey: number, version: number, body: Uint8Array): Uint8Array {
  const header = Buffer.alloc(14);
  header.writeInt32BE(10 + body.length, 0);
  header.writeInt16BE(apiKey, 4);
  header.writeInt16BE(version, 6);
  header.writeInt32BE(7, 8);
  header.writeInt16BE(-1, 12); // null client id
  return Buffer.concat([header, body]);
}

describeWith(["openssl"], "garbage against a SASL listener", () => {
  it("reaches no handler before authentication, and the broker keeps serving", async () => {
    const port = secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port;
    const apiKeys = secure.broker.running.broker.apis.advertised().map((a) => a.apiKey);
    const input = fc.oneof(
      fc.record({ apiKey: fc.constantFrom(...apiKeys), version: fc.integer({ min: 0, max: 17 }), body: fc.uint8Array({ maxLength: 256 }) })
        .map(({ apiKey, version, body }) => frame(apiKey, version, body)),
      fc.uint8Array({ minLength: 1, maxLength: 256 }),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const client = await RawClient.connect(port);
        try {
          client.write(bytes);
          // The broker answers (ApiVersions, SASL) or closes, or waits for the rest of a frame: never more.
          await client.waitClosed(100);
        } finally {
          client.close();
        }
      }),
      { numRuns: 300, seed: 16 },
    );
    expect(reached).toEqual([]);
    const check = await RawClient.connect(port);
    const versions = await check.request(ApiVersions.request, ApiVersions.response, 3, { clientSoftwareName: "after-fuzz", clientSoftwareVersion: "1" });
    expect(versions.errorCode).toBe(0);
    check.close();
  }, 120_000);
});
