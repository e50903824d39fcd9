/**
 * TLS for SSL and SASL_SSL listeners from Kafka's PEM settings, and the principal of a client
 * certificate (its subject, mapped by ssl.principal.mapping.rules).
 */
import { readFileSync } from "node:fs";
import type { TlsOptions, TLSSocket } from "node:tls";
import type { SslSettings } from "./security-config.ts";
import { ANONYMOUS, userPrincipal } from "./principal.ts";
import type { PrincipalMappingRules } from "./principal-mapping.ts";

/** Options for tls.createServer: the keystore PEM gives key and chain, the truststore PEM the CAs. */
export function tlsServerOptions(ssl: SslSettings): TlsOptions {
  const keystore = ssl.keystoreLocation ? readFileSync(ssl.keystoreLocation, "utf8") : undefined;
  const truststore = ssl.truststoreLocation ? readFileSync(ssl.truststoreLocation, "utf8") : ssl.truststoreCertificates;
  const options: TlsOptions = {
    // OpenSSL reads the private key and the certificates out of the same PEM, skipping the other blocks.
    key: ssl.keystoreKey ?? keystore,
    cert: ssl.keystoreCertificateChain ?? keystore,
    passphrase: ssl.keyPassword,
    ca: truststore,
    requestCert: ssl.clientAuth !== "none",
    // "requested": a client may come without a certificate; one it presents must still verify (checked on connect).
    rejectUnauthorized: ssl.clientAuth === "required",
  };
  return options;
}

/**
 * The principal of a TLS connection: User:<mapped subject> for a verified client certificate,
 * ANONYMOUS without one; null when a certificate was presented that does not verify.
 */
export function sslPrincipal(socket: TLSSocket, rules: PrincipalMappingRules): string | null {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return ANONYMOUS;
  if (!socket.authorized) return null;
  return userPrincipal(rules.apply(rfc2253(cert.subject)));
}

/** Node prints a subject one attribute per line, most significant first; RFC 2253 (Java's getName()) reverses them. */
export function rfc2253(subject: string): string {
  return subject
    .split("\n")
    .filter(Boolean)
    .reverse()
    .map((attribute) => {
      const eq = attribute.indexOf("=");
      return `${attribute.slice(0, eq)}=${escapeDnValue(attribute.slice(eq + 1))}`;
    })
    .join(",");
}

function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;]/g, "\\$&").replace(/^[ #]/, "\\$&").replace(/ $/, "\\ ");
}
