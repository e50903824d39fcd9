/**
 * The SASL state of one connection on a SASL_PLAINTEXT / SASL_SSL listener, as Kafka's
 * SaslServerAuthenticator: SaslHandshake picks the mechanism; then either SaslAuthenticate
 * requests (handshake v1) or raw size-prefixed tokens (handshake v0, as kafka-python sends them)
 * carry the exchange. With connections.max.reauth.ms the session expires and may be renewed
 * (KIP-368) by another handshake v1 + SaslAuthenticate on the same connection, as the same principal.
 */
import type { SaslSettings } from "./security-config.ts";
import { type SaslServer, SaslAuthenticationError } from "./sasl-server.ts";
import { PlainSaslServer } from "./plain.ts";
import { type ScramCredential, type ScramMechanismName, ScramSaslServer, scramMechanism } from "./scram.ts";
import { userPrincipal } from "./principal.ts";

export interface ScramCredentialLookup {
  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined;
}

export type HandshakeResult = "OK" | "UNSUPPORTED_SASL_MECHANISM" | "ILLEGAL_SASL_STATE";

export class SaslServerAuthenticator {
  private server: SaslServer | undefined;
  /** Handshake v0: the exchange continues as raw tokens, not SaslAuthenticate requests. */
  private rawTokens = false;
  /** The authenticated principal; kept while a re-authentication is under way. */
  private authenticatedAs: string | undefined;
  private expiresAtMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly settings: SaslSettings,
    private readonly credentials: ScramCredentialLookup,
    private readonly maxReauthMs: number,
  ) {}

  get enabledMechanisms(): string[] {
    return this.settings.enabledMechanisms;
  }

  get principal(): string | undefined {
    return this.authenticatedAs;
  }

  /** True while the next frame is a raw SASL token rather than a Kafka request. */
  get expectsRawToken(): boolean {
    return this.rawTokens && this.server !== undefined;
  }

  /** Authenticated, and the session (connections.max.reauth.ms) has not run out. */
  authenticated(nowMs: number): boolean {
    return this.authenticatedAs !== undefined && nowMs < this.expiresAtMs;
  }

  handshake(mechanism: string, version: number): HandshakeResult {
    // A second handshake is a re-authentication, which only v1 (SaslAuthenticate) can carry.
    if (this.server || (this.authenticatedAs !== undefined && version < 1)) return "ILLEGAL_SASL_STATE";
    const server = this.createServer(mechanism);
    if (!server) return "UNSUPPORTED_SASL_MECHANISM";
    this.server = server;
    this.rawTokens = version === 0;
    return "OK";
  }

  /**
   * Evaluates the client's next token; returns the server's answer and, once the exchange is
   * complete, the session lifetime (0 = no limit). Throws SaslAuthenticationError on failure.
   */
  authenticate(token: Uint8Array, nowMs: number): { response: Uint8Array; sessionLifetimeMs: number | undefined } {
    const server = this.server;
    if (!server) throw new SaslAuthenticationError("SaslAuthenticate before a SaslHandshake");
    this.server = undefined;
    const response = server.evaluate(token);
    if (!server.complete) {
      this.server = server;
      return { response, sessionLifetimeMs: undefined };
    }
    const principal = userPrincipal(server.authorizationId);
    if (this.authenticatedAs !== undefined && this.authenticatedAs !== principal) {
      throw new SaslAuthenticationError(`Cannot change principals during re-authentication from ${this.authenticatedAs} to ${principal}`);
    }
    this.authenticatedAs = principal;
    this.rawTokens = false;
    this.expiresAtMs = this.maxReauthMs > 0 ? nowMs + this.maxReauthMs : Number.POSITIVE_INFINITY;
    return { response, sessionLifetimeMs: this.maxReauthMs };
  }

  private createServer(mechanism: string): SaslServer | undefined {
    if (!this.settings.enabledMechanisms.includes(mechanism)) return undefined;
    if (mechanism === "PLAIN") return new PlainSaslServer(this.settings.plainUsers);
    const scram = scramMechanism(mechanism);
    return scram && new ScramSaslServer(scram, (user, m) => this.credentials.get(user, m));
  }
}
