/**
 * `--add-scram` of `kafka-storage format`: 'SCRAM-SHA-256=[name=alice,password=alice-secret]'
 * (optionally iterations=, and salt= in base64) becomes a UserScramCredentialRecord, so SCRAM
 * users exist before the broker first starts.
 */
import { randomBytes } from "node:crypto";
import type { UserScramCredentialRecord } from "../storage/metadata-records.ts";
import { MAX_ITERATIONS, MIN_ITERATIONS, credentialFromSaltedPassword, saltedPassword, scramMechanism } from "./scram.ts";

export function scramRecordFromArgument(argument: string): UserScramCredentialRecord {
  const m = /^([A-Z0-9-]+)=\[(.*)\]$/.exec(argument.trim());
  const mechanism = m && scramMechanism(m[1]);
  if (!m || !mechanism) throw new Error(`--add-scram: expected SCRAM-SHA-256=[name=...,password=...] or SCRAM-SHA-512=[...], got ${argument}`);
  const fields = new Map<string, string>();
  for (const part of m[2].split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new Error(`--add-scram: ${part} is not key=value`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
  }
  const name = fields.get("name");
  const password = fields.get("password");
  if (!name || password === undefined) throw new Error("--add-scram: name and password are required");
  const iterations = Number(fields.get("iterations") ?? MIN_ITERATIONS);
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new Error(`--add-scram: iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}`);
  }
  const salt = fields.has("salt") ? Buffer.from(fields.get("salt")!, "base64") : randomBytes(32);
  const credential = credentialFromSaltedPassword(mechanism, salt, saltedPassword(mechanism, password, salt, iterations), iterations);
  return { name, mechanism: mechanism.type, ...credential };
}
