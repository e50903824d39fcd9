/** Messages and bytes per second, in and out, over the last few minutes: what the console's charts draw. */
import type { Throughput } from "./broker-metrics.ts";

export interface ThroughputSample extends Throughput {
  /** End of the interval, ms since the epoch; the rates are per second over the interval. */
  time: number;
}

const SAMPLES_KEPT = 180;

export class ThroughputHistory {
  private readonly history: ThroughputSample[] = [];
  private last: Throughput;
  private lastTime = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly totals: Throughput,
    readonly intervalMs = 1000,
  ) {
    this.last = { ...totals };
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  samples(): { intervalMs: number; samples: ThroughputSample[] } {
    return { intervalMs: this.intervalMs, samples: this.history };
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastTime) / 1000);
    const rate = (key: keyof Throughput) => (this.totals[key] - this.last[key]) / seconds;
    this.history.push({ time: now, messagesIn: rate("messagesIn"), bytesIn: rate("bytesIn"), messagesOut: rate("messagesOut"), bytesOut: rate("bytesOut") });
    if (this.history.length > SAMPLES_KEPT) this.history.shift();
    this.last = { ...this.totals };
    this.lastTime = now;
  }
}
