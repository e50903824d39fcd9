// A RawClient authenticated with SASL/PLAIN (SaslHandshake v1 + SaslAuthenticate), for protocol-level tests.
import { expect } from "vitest";
import { RawClient } from "../../support/raw-client.ts";
import { SaslAuthenticate, SaslHandshake } from "../../support/messages.ts";
import { ErrorCode } from "../../../src/protocol/generated/error-codes.ts";

export async function plainClient(port: number, user: string, password: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  expect((await client.request(SaslHandshake.request, SaslHandshake.response, 1, { mechanism: "PLAIN" })).errorCode).toBe(ErrorCode.NONE);
  const auth = await client.request(SaslAuthenticate.request, SaslAuthenticate.response, 2, { authBytes: Buffer.from(`\0${user}\0${password}`) });
  expect(auth.errorCode).toBe(ErrorCode.NONE);
  return client;
}
