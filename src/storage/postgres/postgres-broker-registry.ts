/**
 * Brokers sharing one database register in kafka_brokers with a lease they renew; a broker whose
 * lease lapsed (killed, cut off) drops out of every other broker's live set at their next renewal,
 * and its partitions and groups move to the survivors.
 */
import type { BrokerEndpoint, BrokerRegistry, LeaseConfig } from "../../cluster/broker-registry.ts";
import type { Database } from "./database.ts";

export class PostgresBrokerRegistry implements BrokerRegistry {
  private live: BrokerEndpoint[];
  private readonly timer: NodeJS.Timeout;
  /** Set while renewals fail, so an outage is reported once, not at every attempt. */
  private failing = false;
  /** The timer's renewal while it runs: closing waits for it, so it cannot bring the lease back after it is given up. */
  private renewal: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database,
    private readonly self: BrokerEndpoint,
    private readonly config: LeaseConfig,
    live: BrokerEndpoint[],
    onError: (err: Error) => void,
  ) {
    this.live = live;
    const renewOrReport = () =>
      this.renew().then(
        () => {
          this.failing = false;
        },
        (err: Error) => {
          if (!this.failing) onError(err);
          this.failing = true;
        },
      );
    this.timer = setInterval(() => {
      // A renewal slower than the interval is not doubled up.
      this.renewal ??= renewOrReport().finally(() => (this.renewal = undefined));
    }, config.renewMs ?? Math.max(1, Math.floor(config.leaseMs / 3)));
    this.timer.unref();
  }

  static async register(db: Database, self: BrokerEndpoint, config: LeaseConfig, onError: (err: Error) => void): Promise<PostgresBrokerRegistry> {
    const registry = new PostgresBrokerRegistry(db, self, config, [self], onError);
    await registry.renew();
    return registry;
  }

  liveBrokers(): BrokerEndpoint[] {
    return this.live;
  }

  /** Renews this broker's lease and reads who else holds one; while the database is away the last view stays. */
  async renew(): Promise<void> {
    const { rows } = await this.db.query<{ node_id: number; host: string; port: number }>(
      `WITH me AS (
         INSERT INTO kafka_brokers (node_id, host, port, lease_expires_at)
         VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond')
         ON CONFLICT (node_id) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, lease_expires_at = EXCLUDED.lease_expires_at)
       SELECT node_id, host, port FROM kafka_brokers WHERE lease_expires_at > clock_timestamp() AND node_id <> $1
       ORDER BY node_id`,
      [this.self.nodeId, this.self.host, this.self.port, this.config.leaseMs],
    );
    const others = rows.map((r) => ({ nodeId: r.node_id, host: r.host, port: r.port, rack: null }));
    this.live = [...others, this.self].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** A clean shutdown gives its lease back, so the others take over at once rather than at expiry. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.renewal;
      await this.db.query("DELETE FROM kafka_brokers WHERE node_id = $1", [this.self.nodeId]).catch(() => undefined);
    })();
    return this.closing;
  }
}
