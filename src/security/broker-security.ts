/**
 * The broker's security state: SCRAM credentials and ACLs (both replayed from the metadata log),
 * the authorizer handlers consult, and a Session for each new connection.
 */
import type { TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import type { MetadataRecordListener } from "../storage/cluster-metadata.ts";
import type { ListenerConfig, SecurityConfig } from "./security-config.ts";
import { ALLOW_ALL, type Authorizer, StandardAuthorizer } from "./authorizer.ts";
import { ScramCredentials } from "./scram-credentials.ts";
import { SaslServerAuthenticator } from "./sasl-authenticator.ts";
import { Session } from "./session.ts";
import { ANONYMOUS } from "./principal.ts";
import { PrincipalMappingRules } from "./principal-mapping.ts";
import { sslPrincipal } from "./ssl.ts";

export class BrokerSecurity {
  readonly credentials = new ScramCredentials();
  /** The ACL store, present when authorizer.class.name enables it. */
  readonly acls: StandardAuthorizer | undefined;
  readonly authorizer: Authorizer;
  private readonly mappingRules = new Map<string, PrincipalMappingRules>();

  constructor(readonly config: SecurityConfig, listeners: readonly ListenerConfig[]) {
    this.acls = config.authorizerEnabled ? new StandardAuthorizer(config) : undefined;
    this.authorizer = this.acls ?? ALLOW_ALL;
    for (const l of listeners) if (l.ssl) this.mappingRules.set(l.name, new PrincipalMappingRules(l.ssl.principalMappingRules));
  }

  /** connection.failed.authentication.delay.ms: waited before a failed authentication is answered. */
  delayFailedAuthentication(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.config.failedAuthenticationDelayMs));
  }

  /** What replays the metadata log into this state. */
  get metadataListeners(): MetadataRecordListener[] {
    return this.acls ? [this.credentials, this.acls] : [this.credentials];
  }

  /** The session of a new connection; null when a TLS client presented a certificate that does not verify. */
  newSession(listener: ListenerConfig, socket: Socket): Session | null {
    const rules = this.mappingRules.get(listener.name);
    const principal = rules ? sslPrincipal(socket as TLSSocket, rules) : ANONYMOUS;
    if (principal === null) return null;
    const sasl = listener.sasl && new SaslServerAuthenticator(listener.sasl, this.credentials, this.config.connectionsMaxReauthMs);
    return new Session(listener, principal, sasl);
  }
}
