/** Principals as Kafka prints them (KafkaPrincipal.toString): `User:<name>`, as ACLs and super.users name them. */
export const ANONYMOUS = "User:ANONYMOUS";

export function userPrincipal(name: string): string {
  return `User:${name}`;
}
