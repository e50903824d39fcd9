/**
 * Who is on the other end of one connection: the listener it came in on, its principal (from the
 * TLS certificate, SASL, or ANONYMOUS), and on SASL listeners the authentication state that gates
 * every request until authentication succeeds.
 */
import { ApiKey } from "../protocol/generated/api-keys.ts";
import type { ListenerConfig } from "./security-config.ts";
import type { SaslServerAuthenticator } from "./sasl-authenticator.ts";

/** What an unauthenticated client may send: the requests that lead to authentication. */
const BEFORE_AUTHENTICATION = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

export class Session {
  constructor(
    readonly listener: ListenerConfig,
    /** The principal of the transport: the TLS client certificate's, else ANONYMOUS. */
    private readonly transportPrincipal: string,
    readonly sasl: SaslServerAuthenticator | undefined,
  ) {}

  get principal(): string {
    return this.sasl?.principal ?? this.transportPrincipal;
  }

  /** Whether a request with this api key may be served now; anything else closes the connection. */
  admits(apiKey: number, nowMs: number): boolean {
    return !this.sasl || BEFORE_AUTHENTICATION.has(apiKey) || this.sasl.authenticated(nowMs);
  }
}
