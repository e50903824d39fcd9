/**
 * The users of a PlainLoginModule JAAS entry:
 *   org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a" user_admin="a" user_alice="b";
 * `user_<name>="<password>"` declares a user the broker accepts; username/password are the broker's own
 * (inter-broker) credentials and declare no one.
 */
const PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

export function parseJaasUsers(jaas: string): Map<string, string> {
  const text = jaas.trim();
  if (!text.startsWith(PLAIN_LOGIN_MODULE)) throw new Error(`sasl.jaas.config: only ${PLAIN_LOGIN_MODULE} is supported`);
  const users = new Map<string, string>();
  // Options are key="value" (or key=value); a value may hold anything but its quote.
  for (const m of text.matchAll(/([A-Za-z0-9_.\-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g)) {
    const key = m[1];
    if (!key.startsWith("user_")) continue;
    users.set(key.slice("user_".length), (m[2] ?? m[3]).replace(/\\(.)/g, "$1"));
  }
  return users;
}
