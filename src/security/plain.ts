/** SASL/PLAIN (RFC 4616): one message `authzid NUL authcid NUL passwd`, checked against the JAAS users. */
import { createHash, timingSafeEqual } from "node:crypto";
import { SaslAuthenticationError, type SaslServer } from "./sasl-server.ts";

export class PlainSaslServer implements SaslServer {
  private user: string | undefined;

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get complete(): boolean {
    return this.user !== undefined;
  }

  get authorizationId(): string {
    return this.user ?? "";
  }

  evaluate(token: Uint8Array): Uint8Array {
    if (this.complete) throw new SaslAuthenticationError("PLAIN exchange already complete");
    const parts = Buffer.from(token).toString("utf8").split("\u0000");
    if (parts.length !== 3) throw new SaslAuthenticationError("Invalid SASL/PLAIN response: expected 3 tokens");
    const [authzid, username, password] = parts;
    if (!username) throw new SaslAuthenticationError("Authentication failed: username not specified");
    if (authzid && authzid !== username) {
      throw new SaslAuthenticationError("Authentication failed: Client requested an authorization id that is different from username");
    }
    const expected = this.users.get(username);
    // Compared as digests, so the time taken tells nothing about the password's length or content.
    if (expected === undefined || !timingSafeEqual(digest(expected), digest(password))) {
      throw new SaslAuthenticationError("Authentication failed: Invalid username or password");
    }
    this.user = username;
    return new Uint8Array(0);
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
