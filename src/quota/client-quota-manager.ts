/**
 * Kafka's ClientQuotaManager for one byte-rate quota (producer_byte_rate for Produce,
 * consumer_byte_rate for Fetch). The quota that applies to a (user, client id) is the most specific
 * ClientQuotaRecord, in Kafka's order: user and client id, user and default client id, user, default
 * user and client id, default user and default client id, default user, client id, default client
 * id. A quota set on a default entity applies to each user or client id on its own, as in Kafka.
 *
 * Bytes are counted in `quota.window.num` samples of `quota.window.size.seconds` each; a client
 * over its quota is told how long to wait (throttle_time_ms), which brings its rate over the
 * window back to the bound, and the broker reads nothing more from its connection for that long.
 */
import type { QuotaEntityPart } from "../storage/client-quotas.ts";

export type ByteRateQuotaKey = "producer_byte_rate" | "consumer_byte_rate";

export interface QuotaConfig {
  /** quota.window.num */
  quotaWindowNum: number;
  /** quota.window.size.seconds */
  quotaWindowSizeSeconds: number;
}

/** The quota values set on exactly this entity (Kafka's ClientQuotaRecords, replayed). */
export interface QuotaLookup {
  readonly isEmpty: boolean;
  quotaValue(entity: QuotaEntityPart[], key: string): number | undefined;
}

/** Where a user and client id draw from: the bound, and whose bytes count together. */
interface AppliedQuota {
  bound: number;
  /** Kafka's quota metric tags: the user and client id the sensor is kept for ("" when the quota is not per that part). */
  sensor: string;
}

const user = (name: string | null): QuotaEntityPart => ({ entityType: "user", entityName: name });
const client = (name: string | null): QuotaEntityPart => ({ entityType: "client-id", entityName: name });

/** One client's quota, resolved once per request. */
export interface ClientQuota {
  /**
   * The most bytes it lets through in one window (Infinity without a quota): Kafka caps a Fetch
   * there, so a response it may be sent at all fits the quota.
   */
  readonly maxValueInWindow: number;
  /** Counts `bytes`; returns how long the client must wait (0 when within its quota or without one). */
  recordAndGetThrottleTimeMs(bytes: number, nowMs: number): number;
  /** Takes back bytes recorded for a response that was not sent (a throttled Fetch is answered empty). */
  unrecord(bytes: number, nowMs: number): void;
}

const UNLIMITED: ClientQuota = { maxValueInWindow: Infinity, recordAndGetThrottleTimeMs: () => 0, unrecord: () => {} };

export class ClientQuotaManager {
  private readonly sensors = new Map<string, RateSensor>();

  constructor(
    private readonly key: ByteRateQuotaKey,
    private readonly quotas: QuotaLookup,
    private readonly config: QuotaConfig,
  ) {}

  /** The quota of `userName` / `clientId`. */
  forClient(userName: string, clientId: string): ClientQuota {
    const quota = this.quotaFor(userName, clientId);
    if (!quota) return UNLIMITED;
    const { bound } = quota;
    return {
      maxValueInWindow: bound * (this.config.quotaWindowNum - 1) * this.config.quotaWindowSizeSeconds,
      recordAndGetThrottleTimeMs: (bytes, nowMs) => {
        const sensor = this.sensorFor(quota.sensor, nowMs);
        sensor.record(bytes, nowMs);
        const rate = sensor.rate(nowMs);
        if (rate <= bound) return 0;
        return Math.min(Math.round(((rate - bound) / bound) * sensor.windowMs(nowMs)), this.fullWindowMs());
      },
      unrecord: (bytes, nowMs) => this.sensors.get(quota.sensor)?.record(-bytes, nowMs),
    };
  }

  private quotaFor(userName: string, clientId: string): AppliedQuota | undefined {
    if (this.quotas.isEmpty) return undefined;
    const candidates: [QuotaEntityPart[], string, string][] = [
      [[user(userName), client(clientId)], userName, clientId],
      [[user(userName), client(null)], userName, clientId],
      [[user(userName)], userName, ""],
      [[user(null), client(clientId)], userName, clientId],
      [[user(null), client(null)], userName, clientId],
      [[user(null)], userName, ""],
      [[client(clientId)], "", clientId],
      [[client(null)], "", clientId],
    ];
    for (const [entity, sensorUser, sensorClient] of candidates) {
      const bound = this.quotas.quotaValue(entity, this.key);
      if (bound !== undefined) return { bound, sensor: JSON.stringify([sensorUser, sensorClient]) };
    }
    return undefined;
  }

  private sensorFor(key: string, nowMs: number): RateSensor {
    let sensor = this.sensors.get(key);
    if (!sensor) this.sensors.set(key, (sensor = new RateSensor(this.config.quotaWindowNum, this.config.quotaWindowSizeSeconds * 1000, nowMs)));
    return sensor;
  }

  private fullWindowMs(): number {
    return this.config.quotaWindowNum * this.config.quotaWindowSizeSeconds * 1000;
  }
}

/**
 * Kafka's Rate over a SampledStat: the sum of the live samples over the time they span, which is
 * never taken as less than all samples but the current one (so a first burst is not measured over
 * a few milliseconds).
 */
class RateSensor {
  private readonly samples: { startMs: number; value: number }[];
  private current = 0;

  constructor(
    private readonly numSamples: number,
    private readonly sampleMs: number,
    nowMs: number,
  ) {
    this.samples = [{ startMs: nowMs, value: 0 }];
  }

  record(value: number, nowMs: number): void {
    let sample = this.samples[this.current];
    if (nowMs >= sample.startMs + this.sampleMs) {
      this.current = (this.current + 1) % this.numSamples;
      sample = this.samples[this.current] = { startMs: nowMs, value: 0 };
    }
    sample.value += value;
  }

  rate(nowMs: number): number {
    this.purgeObsolete(nowMs);
    const total = this.samples.reduce((sum, s) => sum + s.value, 0);
    return total / (this.windowMs(nowMs) / 1000);
  }

  /** The time the rate is taken over, in ms. */
  windowMs(nowMs: number): number {
    const oldest = Math.min(...this.samples.map((s) => s.startMs));
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.sampleMs);
    const minFullWindows = this.numSamples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.sampleMs;
    return Math.max(elapsed, 1);
  }

  /** Samples older than the whole window count no more. */
  private purgeObsolete(nowMs: number): void {
    const expireAge = this.numSamples * this.sampleMs;
    for (const sample of this.samples) {
      if (nowMs - sample.startMs >= expireAge) {
        sample.startMs = nowMs;
        sample.value = 0;
      }
    }
  }
}
