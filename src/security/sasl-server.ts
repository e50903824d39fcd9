/** One mechanism's server side of a SASL exchange (javax.security.sasl.SaslServer, as Kafka uses it). */
export interface SaslServer {
  /** The answer to the client's next token; throws SaslAuthenticationError when authentication fails. */
  evaluate(token: Uint8Array): Uint8Array;
  readonly complete: boolean;
  /** The authenticated user name, once complete. */
  readonly authorizationId: string;
}

/** Authentication failed; the message is what the client is told (SASL_AUTHENTICATION_FAILED). */
export class SaslAuthenticationError extends Error {}
