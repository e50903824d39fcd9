// The SASL mechanisms and the pieces of configuration they read, without a broker: SCRAM-SHA-256
// against RFC 7677's example exchange, PLAIN, JAAS users, ssl.principal.mapping.rules, --add-scram.
import { describe, expect, it } from "vitest";
import { ScramSaslServer, credentialFromSaltedPassword, saltedPassword, scramMechanism } from "../../src/security/scram.ts";
import { PlainSaslServer } from "../../src/security/plain.ts";
import { SaslAuthenticationError } from "../../src/security/sasl-server.ts";
import { parseJaasUsers } from "../../src/security/jaas.ts";
import { PrincipalMappingRules } from "../../src/security/principal-mapping.ts";
import { rfc2253 } from "../../src/security/ssl.ts";
import { scramRecordFromArgument } from "../../src/security/add-scram.ts";
import { listenersFromProperties } from "../../src/security/security-config.ts";
import { parseProperties } from "../../src/config.ts";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const bytes = (s: string) => Buffer.from(s, "utf8");

describe("SCRAM-SHA-256 (RFC 7677 section 3)", () => {
  const sha256 = scramMechanism("SCRAM-SHA-256")!;
  const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
  const credential = credentialFromSaltedPassword(sha256, salt, saltedPassword(sha256, "pencil", salt, 4096), 4096);
  const server = () => new ScramSaslServer(sha256, (user) => (user === "user" ? credential : undefined), () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

  it("answers the RFC's client messages with the RFC's server messages", () => {
    const s = server();
    expect(text(s.evaluate(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")))).toBe(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    );
    const final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    expect(text(s.evaluate(bytes(final)))).toBe("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    expect(s.complete).toBe(true);
    expect(s.authorizationId).toBe("user");
  });

  it("refuses a wrong proof and an unknown user with the same message", () => {
    const s = server();
    s.evaluate(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    const wrong = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=" + Buffer.alloc(32, 1).toString("base64");
    expect(() => s.evaluate(bytes(wrong))).toThrow(/invalid credentials/);
    expect(() => server().evaluate(bytes("n,,n=nobody,r=abc"))).toThrow(/invalid credentials/);
  });

  it("refuses malformed messages, a changed nonce and a channel-binding mismatch", () => {
    expect(() => server().evaluate(bytes("garbage"))).toThrow(SaslAuthenticationError);
    const s = server();
    s.evaluate(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(() => s.evaluate(bytes("c=biws,r=other,p=AAAA"))).toThrow(/nonce/);
    const t = server();
    t.evaluate(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(() => t.evaluate(bytes("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA"))).toThrow(/channel binding/);
  });
});

describe("PLAIN", () => {
  const users = new Map([["alice", "alice-secret"]]);
  it("accepts the declared password and nothing else", () => {
    const ok = new PlainSaslServer(users);
    ok.evaluate(bytes("\u0000alice\u0000alice-secret"));
    expect(ok.authorizationId).toBe("alice");
    expect(() => new PlainSaslServer(users).evaluate(bytes("\u0000alice\u0000wrong"))).toThrow(/Invalid username or password/);
    expect(() => new PlainSaslServer(users).evaluate(bytes("\u0000bob\u0000alice-secret"))).toThrow(/Invalid username or password/);
    expect(() => new PlainSaslServer(users).evaluate(bytes("bob\u0000alice\u0000alice-secret"))).toThrow(/authorization id/);
  });
});

describe("configuration", () => {
  it("reads PlainLoginModule users (user_<name>), not the broker's own username/password", () => {
    const users = parseJaasUsers(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a" user_admin="a" user_alice="p=w;d \\"q\\"";',
    );
    expect([...users]).toEqual([["admin", "a"], ["alice", 'p=w;d "q"']]);
  });

  it("maps certificate subjects with the DEFAULT rule and with RULE:pattern/replacement/L", () => {
    expect(rfc2253("O=Example\nOU=eng\nCN=alice")).toBe("CN=alice,OU=eng,O=Example");
    expect(rfc2253("CN=a, b")).toBe("CN=a\\, b");
    expect(new PrincipalMappingRules("DEFAULT").apply("CN=alice,O=Example")).toBe("CN=alice,O=Example");
    const rules = new PrincipalMappingRules("RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/L,DEFAULT");
    expect(rules.apply("CN=Alice,OU=Eng,O=Example")).toBe("alice@eng");
    expect(rules.apply("CN=bob,O=Example")).toBe("CN=bob,O=Example");
  });

  it("takes listener.name.<listener>. settings over the unprefixed ones", () => {
    const props = parseProperties(`listeners=PLAINTEXT://:9092,INTERNAL://127.0.0.1:9094,CONTROLLER://:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
advertised.listeners=PLAINTEXT://broker:9092,INTERNAL://internal:19094
sasl.enabled.mechanisms=PLAIN
listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.internal.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="b";
`);
    const [plaintext, internal, ...rest] = listenersFromProperties(props);
    expect(rest).toEqual([]);
    expect(plaintext).toMatchObject({ name: "PLAINTEXT", port: 9092, securityProtocol: "PLAINTEXT", advertisedHost: "broker" });
    expect(internal).toMatchObject({ name: "INTERNAL", host: "127.0.0.1", port: 9094, securityProtocol: "SASL_PLAINTEXT", advertisedPort: 19094 });
    expect(internal.sasl?.enabledMechanisms).toEqual(["SCRAM-SHA-512", "PLAIN"]);
    expect(internal.sasl?.plainUsers.get("bob")).toBe("b");
  });

  it("--add-scram stores a salted credential that authenticates, never the password", () => {
    const record = scramRecordFromArgument("SCRAM-SHA-512=[name=alice,password=alice-secret,iterations=8192]");
    expect(record).toMatchObject({ name: "alice", mechanism: 2, iterations: 8192 });
    expect(Buffer.from(JSON.stringify(record)).includes("alice-secret")).toBe(false);
    expect(() => scramRecordFromArgument("SCRAM-SHA-1=[name=a,password=b]")).toThrow();
    expect(() => scramRecordFromArgument("SCRAM-SHA-256=[name=a,password=b,iterations=10]")).toThrow(/iterations/);
  });
});
