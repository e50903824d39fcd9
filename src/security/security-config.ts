/**
 * Listeners and security settings in Kafka's words: `listeners`, `listener.security.protocol.map`,
 * `advertised.listeners`, the `ssl.*` and `sasl.*` settings (each also as
 * `listener.name.<listener>.<setting>`), the authorizer and its `super.users`.
 */
import { parseJaasUsers } from "./jaas.ts";

export type SecurityProtocol = "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
export type SslClientAuth = "required" | "requested" | "none";

export interface SslSettings {
  /** PEM: the private key and the certificate chain, from ssl.keystore.location or ssl.keystore.key + .certificate.chain. */
  keystoreLocation?: string;
  keystoreKey?: string;
  keystoreCertificateChain?: string;
  keyPassword?: string;
  /** PEM: the CA certificates client certificates are checked against. */
  truststoreLocation?: string;
  truststoreCertificates?: string;
  clientAuth: SslClientAuth;
  /** ssl.principal.mapping.rules: how a certificate subject becomes a principal name. */
  principalMappingRules: string;
}

export interface SaslSettings {
  enabledMechanisms: string[];
  /** PLAIN users (user_<name>="password" of PlainLoginModule): never logged. */
  plainUsers: Map<string, string>;
}

export interface ListenerConfig {
  name: string;
  host: string;
  port: number;
  securityProtocol: SecurityProtocol;
  /** Host and port Metadata answers on this listener; undefined = the address the client reached. */
  advertisedHost?: string;
  advertisedPort?: number;
  ssl?: SslSettings;
  sasl?: SaslSettings;
}

export interface SecurityConfig {
  /** authorizer.class.name names Kafka's StandardAuthorizer: ACLs are enforced. */
  authorizerEnabled: boolean;
  superUsers: string[];
  allowEveryoneIfNoAclFound: boolean;
  /** connections.max.reauth.ms: 0 = a SASL session never expires. */
  connectionsMaxReauthMs: number;
  /** connection.failed.authentication.delay.ms: the wait before a failed authentication is answered. */
  failedAuthenticationDelayMs: number;
}

export const STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
const PROTOCOLS: readonly SecurityProtocol[] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

interface ListenerAddress {
  name: string;
  host: string;
  port: number;
}

export function parseListenerList(value: string | undefined): ListenerAddress[] {
  if (!value) return [];
  return value.split(",").flatMap((entry) => {
    const m = /^\s*([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)\s*$/.exec(entry);
    return m ? [{ name: m[1].toUpperCase(), host: m[2].replace(/^\[|\]$/g, ""), port: Number(m[3]) }] : [];
  });
}

/** The client listeners (controller listeners are not served), in the order `listeners` names them. */
export function listenersFromProperties(props: Map<string, string>): ListenerConfig[] {
  const controllerNames = new Set(list(props.get("controller.listener.names")).map((s) => s.toUpperCase()));
  const protocolMap = parseProtocolMap(props.get("listener.security.protocol.map"));
  const advertised = parseListenerList(props.get("advertised.listeners"));
  const addresses = parseListenerList(props.get("listeners")).filter((l) => !controllerNames.has(l.name));
  if (addresses.length === 0) addresses.push({ name: "PLAINTEXT", host: "", port: 9092 });
  return addresses.map(({ name, host, port }) => {
    const securityProtocol = protocolMap.get(name) ?? (PROTOCOLS.includes(name as SecurityProtocol) ? (name as SecurityProtocol) : undefined);
    if (!securityProtocol) throw new Error(`listener ${name} has no security protocol in listener.security.protocol.map`);
    const setting = (key: string) => props.get(`listener.name.${name.toLowerCase()}.${key}`) ?? props.get(key);
    const ad = advertised.find((a) => a.name === name);
    return {
      name,
      host,
      port,
      securityProtocol,
      advertisedHost: ad?.host || undefined,
      advertisedPort: ad?.port,
      ssl: securityProtocol.endsWith("SSL") ? sslSettings(name, setting) : undefined,
      sasl: securityProtocol.startsWith("SASL_") ? saslSettings(name, setting) : undefined,
    };
  });
}

export function securityFromProperties(props: Map<string, string>): SecurityConfig {
  const authorizer = props.get("authorizer.class.name") ?? "";
  if (authorizer !== "" && authorizer !== STANDARD_AUTHORIZER) throw new Error(`authorizer.class.name=${authorizer} is not supported`);
  return {
    authorizerEnabled: authorizer === STANDARD_AUTHORIZER,
    superUsers: (props.get("super.users") ?? "").split(";").map((s) => s.trim()).filter(Boolean),
    allowEveryoneIfNoAclFound: props.get("allow.everyone.if.no.acl.found") === "true",
    connectionsMaxReauthMs: Number(props.get("connections.max.reauth.ms") ?? 0),
    failedAuthenticationDelayMs: Number(props.get("connection.failed.authentication.delay.ms") ?? 100),
  };
}

function sslSettings(listener: string, setting: (key: string) => string | undefined): SslSettings {
  for (const store of ["keystore", "truststore"]) {
    const type = (setting(`ssl.${store}.type`) ?? "PEM").toUpperCase();
    if (type !== "PEM") throw new Error(`listener ${listener}: ssl.${store}.type=${type} is not supported (use PEM)`);
  }
  const clientAuth = (setting("ssl.client.auth") ?? "none").toLowerCase();
  if (clientAuth !== "required" && clientAuth !== "requested" && clientAuth !== "none") {
    throw new Error(`listener ${listener}: ssl.client.auth=${clientAuth} must be required, requested or none`);
  }
  const keystore = {
    keystoreLocation: setting("ssl.keystore.location"),
    keystoreKey: setting("ssl.keystore.key"),
    keystoreCertificateChain: setting("ssl.keystore.certificate.chain"),
  };
  if (!keystore.keystoreLocation && !(keystore.keystoreKey && keystore.keystoreCertificateChain)) {
    throw new Error(`listener ${listener}: ssl.keystore.location (a PEM with the key and the certificate chain) is required`);
  }
  return {
    ...keystore,
    keyPassword: setting("ssl.key.password"),
    truststoreLocation: setting("ssl.truststore.location"),
    truststoreCertificates: setting("ssl.truststore.certificates"),
    clientAuth,
    principalMappingRules: setting("ssl.principal.mapping.rules") ?? "DEFAULT",
  };
}

function saslSettings(listener: string, setting: (key: string) => string | undefined): SaslSettings {
  const enabledMechanisms = list(setting("sasl.enabled.mechanisms") ?? "GSSAPI").map((m) => m.toUpperCase());
  const supported = enabledMechanisms.filter((m) => SASL_MECHANISMS.includes(m));
  if (supported.length === 0) {
    throw new Error(`listener ${listener}: sasl.enabled.mechanisms must name PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`);
  }
  // Kafka reads PLAIN's users from listener.name.<l>.plain.sasl.jaas.config, then sasl.jaas.config.
  const jaas = setting("plain.sasl.jaas.config") ?? setting("sasl.jaas.config");
  return { enabledMechanisms: supported, plainUsers: jaas ? parseJaasUsers(jaas) : new Map() };
}

function parseProtocolMap(value: string | undefined): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of list(value)) {
    const [name, protocol] = entry.split(":").map((s) => s.trim().toUpperCase());
    if (!PROTOCOLS.includes(protocol as SecurityProtocol)) throw new Error(`listener.security.protocol.map: unknown protocol in ${entry}`);
    map.set(name, protocol as SecurityProtocol);
  }
  return map;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}
