/**
 * The SCRAM credentials of every user, as the replay of UserScramCredentialRecord /
 * RemoveUserScramCredentialRecord in the metadata log.
 */
import type { MetadataRecord } from "../storage/metadata-records.ts";
import type { MetadataRecordListener } from "../storage/cluster-metadata.ts";
import { type ScramCredential, type ScramMechanismName, scramMechanism } from "./scram.ts";

export class ScramCredentials implements MetadataRecordListener {
  private readonly byUser = new Map<string, Map<ScramMechanismName, ScramCredential>>();

  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.byUser.get(user)?.get(mechanism);
  }

  /** The mechanisms (Kafka's int8 type) a user has a credential for, with their iteration counts. */
  mechanisms(user: string): { mechanism: number; iterations: number }[] {
    return [...(this.byUser.get(user) ?? [])].map(([name, c]) => ({ mechanism: scramMechanism(name)!.type, iterations: c.iterations }));
  }

  users(): string[] {
    return [...this.byUser.keys()].sort();
  }

  apply(m: MetadataRecord): void {
    if (m.type === "UserScramCredentialRecord") {
      const { name, mechanism, salt, storedKey, serverKey, iterations } = m.record;
      const mech = scramMechanism(mechanism);
      if (!mech) return;
      let credentials = this.byUser.get(name);
      if (!credentials) this.byUser.set(name, (credentials = new Map()));
      credentials.set(mech.name, { salt, storedKey, serverKey, iterations });
    } else if (m.type === "RemoveUserScramCredentialRecord") {
      const credentials = this.byUser.get(m.record.name);
      const mech = scramMechanism(m.record.mechanism);
      if (!credentials || !mech) return;
      credentials.delete(mech.name);
      if (credentials.size === 0) this.byUser.delete(m.record.name);
    }
  }
}
