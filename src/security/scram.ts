/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677): the stored credential (salt, StoredKey,
 * ServerKey, iterations — never the password) and the server side of the exchange.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { SaslAuthenticationError, type SaslServer } from "./sasl-server.ts";

export type ScramMechanismName = "SCRAM-SHA-256" | "SCRAM-SHA-512";

interface ScramMechanism {
  name: ScramMechanismName;
  /** The int8 Kafka stores in UserScramCredentialRecord and the SCRAM admin APIs. */
  type: number;
  hash: "sha256" | "sha512";
  keyLength: number;
}

/** Kafka's ScramMechanism: the fewest iterations accepted, and the most AlterUserScramCredentials takes. */
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: "SCRAM-SHA-256", type: 1, hash: "sha256", keyLength: 32 },
  { name: "SCRAM-SHA-512", type: 2, hash: "sha512", keyLength: 64 },
];

export function scramMechanism(key: string | number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === key || m.type === key);
}

export interface ScramCredential {
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
  iterations: number;
}

export function credentialFromSaltedPassword(mechanism: ScramMechanism, salt: Uint8Array, saltedPassword: Uint8Array, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, saltedPassword, "Client Key");
  return { salt, storedKey: createHash(mechanism.hash).update(clientKey).digest(), serverKey: hmac(mechanism, saltedPassword, "Server Key"), iterations };
}

/** Salt and hash a password the way a SCRAM client does (Hi() of RFC 5802 is PBKDF2 with HMAC). */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password.normalize("NFKC")), salt, iterations, mechanism.keyLength, mechanism.hash);
}

function hmac(mechanism: ScramMechanism, key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac(mechanism.hash, key).update(data).digest();
}

/** saslname of RFC 5802: ',' and '=' travel as =2C and =3D. */
function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new SaslAuthenticationError("Invalid SCRAM user name");
  return name.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

const CLIENT_FIRST = /^([ny]),(?:a=([^,]*))?,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)((?:,[A-Za-z]+=[^,]*)*))$/;
const CLIENT_FINAL = /^(c=([A-Za-z0-9+/=]*),r=([\x21-\x2b\x2d-\x7e]+)(?:,[A-Za-z]+=[^,]*)*?),p=([A-Za-z0-9+/=]+)$/;

/** One SCRAM exchange: client-first → server-first, client-final → server-final. */
export class ScramSaslServer implements SaslServer {
  private state: "first" | "final" | "complete" = "first";
  private user = "";
  private credential!: ScramCredential;
  private nonce = "";
  private gs2Header = "";
  private clientFirstBare = "";
  private serverFirst = "";

  constructor(
    private readonly mechanism: ScramMechanism,
    private readonly credentials: (user: string, mechanism: ScramMechanismName) => ScramCredential | undefined,
    private readonly serverNonce: () => string = () => randomBytes(24).toString("base64url"),
  ) {}

  get complete(): boolean {
    return this.state === "complete";
  }

  get authorizationId(): string {
    return this.user;
  }

  evaluate(token: Uint8Array): Uint8Array {
    const message = Buffer.from(token).toString("utf8");
    if (this.state === "first") return Buffer.from(this.clientFirst(message));
    if (this.state === "final") return Buffer.from(this.clientFinal(message));
    throw new SaslAuthenticationError("SCRAM exchange already complete");
  }

  private clientFirst(message: string): string {
    const m = CLIENT_FIRST.exec(message);
    if (!m) throw new SaslAuthenticationError("Invalid SCRAM client first message");
    const [, , authzid, bare, user, clientNonce, extensions] = m;
    this.user = decodeSaslName(user);
    if (authzid && decodeSaslName(authzid) !== this.user) {
      throw new SaslAuthenticationError("Authentication failed: Client requested an authorization id that is different from username");
    }
    // Delegation tokens (tokenauth=true) are not supported: such a client is refused like an unknown user.
    const credential = /(^|,)tokenauth=true(,|$)/.test(extensions) ? undefined : this.credentials(this.user, this.mechanism.name);
    if (!credential) throw invalidCredentials(this.mechanism);
    this.credential = credential;
    this.gs2Header = message.slice(0, message.length - bare.length);
    this.clientFirstBare = bare;
    this.nonce = clientNonce + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${Buffer.from(credential.salt).toString("base64")},i=${credential.iterations}`;
    this.state = "final";
    return this.serverFirst;
  }

  private clientFinal(message: string): string {
    const m = CLIENT_FINAL.exec(message);
    if (!m) throw new SaslAuthenticationError("Invalid SCRAM client final message");
    const [, withoutProof, channelBinding, nonce, proofBase64] = m;
    if (Buffer.from(channelBinding, "base64").toString("utf8") !== this.gs2Header) throw new SaslAuthenticationError("Invalid SCRAM channel binding");
    // As Kafka checks it: librdkafka 2.0 sends its own nonce again in front of the combined one.
    if (!nonce.endsWith(this.nonce)) throw new SaslAuthenticationError("Invalid client nonce in the final client message.");
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.mechanism, this.credential.storedKey, authMessage);
    const proof = Buffer.from(proofBase64, "base64");
    if (proof.length !== clientSignature.length) throw invalidCredentials(this.mechanism);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    const storedKey = createHash(this.mechanism.hash).update(clientKey).digest();
    if (storedKey.length !== this.credential.storedKey.length || !timingSafeEqual(storedKey, this.credential.storedKey)) throw invalidCredentials(this.mechanism);
    this.state = "complete";
    return `v=${hmac(this.mechanism, this.credential.serverKey, authMessage).toString("base64")}`;
  }
}

/** Kafka's words for a wrong password and an unknown user alike, so neither tells which it was. */
function invalidCredentials(mechanism: ScramMechanism): SaslAuthenticationError {
  return new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism.name}`);
}
