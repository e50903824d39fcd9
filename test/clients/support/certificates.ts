// Certificates made with openssl at test time: a CA, the broker's certificate for 127.0.0.1/localhost
// (key and chain in one PEM, as ssl.keystore.type=PEM takes it; optionally with an encrypted key),
// a client certificate the CA signed, and one from a CA the broker does not trust.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certificates {
  dir: string;
  /** The CA certificate (the broker's truststore and the clients' CA). */
  caPem: string;
  /** The broker's key + certificate chain, the key encrypted with KEY_PASSWORD. */
  brokerKeystore: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from an untrusted CA. */
  strangerCert: string;
  strangerKey: string;
  remove(): void;
}

export const KEY_PASSWORD = "keystore-secret";
/** The subject of the trusted client certificate, as the principal shows it (RFC 2253, most specific first). */
export const CLIENT_PRINCIPAL = "User:CN=alice,OU=eng,O=Example";

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function ca(dir: string, name: string): void {
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${name}`], dir);
}

function signed(dir: string, name: string, subject: string, caName: string, extensions?: string): void {
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
  const ext = extensions ? ["-extfile", `${name}.ext`] : [];
  if (extensions) writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.pem`, "-CAkey", `${caName}.key`, "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", ...ext], dir);
}

export function createCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), "broker-certs-"));
  ca(dir, "ca");
  ca(dir, "stranger-ca");
  signed(dir, "broker", "/CN=localhost", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  signed(dir, "client", "/O=Example/OU=eng/CN=alice", "ca");
  signed(dir, "stranger", "/CN=mallory", "stranger-ca");
  openssl(["pkcs8", "-topk8", "-in", "broker.key", "-out", "broker-encrypted.key", "-passout", `pass:${KEY_PASSWORD}`], dir);
  const keystore = join(dir, "broker-keystore.pem");
  writeFileSync(keystore, readFileSync(join(dir, "broker-encrypted.key"), "utf8") + readFileSync(join(dir, "broker.pem"), "utf8") + readFileSync(join(dir, "ca.pem"), "utf8"));
  return {
    dir,
    caPem: join(dir, "ca.pem"),
    brokerKeystore: keystore,
    clientCert: join(dir, "client.pem"),
    clientKey: join(dir, "client.key"),
    strangerCert: join(dir, "stranger.pem"),
    strangerKey: join(dir, "stranger.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
