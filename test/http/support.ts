// A broker with its HTTP listener on a free loopback port, and /metrics read through a strict parser
// of Prometheus' text exposition format (parse-prometheus-text-format, the npm parser, folds labelled
// histograms into one unlabelled sample, so it cannot read what prom-client writes).
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import type { StartBrokerOptions } from "../../src/index.ts";

/** A test broker with its HTTP listener on a free loopback port. */
export function startHttpTestBroker(options: Omit<StartBrokerOptions, "logDirs"> = {}): Promise<TestBroker> {
  return startTestBroker({ httpListeners: [{ host: "127.0.0.1", port: 0 }], ...options });
}

/** "http://127.0.0.1:<port>" of the broker's (first) HTTP listener. */
export function httpBase(broker: TestBroker): string {
  return `http://127.0.0.1:${broker.running.httpAddresses[0].port}`;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  /** Metric family name → its # TYPE. */
  types: Map<string, string>;
  samples: Sample[];
  /** The sum of the samples named `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,\s*)?/;

/**
 * The text format, version 0.0.4: `# HELP`/`# TYPE` lines, then `name{label="value",...} value [timestamp]`.
 * Any line that does not follow it fails the parse, so the test also checks the format.
 */
export function parsePrometheusText(text: string): Omit<Scrape, "sum"> {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("#")) continue;
    const name = METRIC_NAME.exec(line);
    if (!name) throw new Error(`bad sample line: ${line}`);
    let rest = line.slice(name[0].length);
    const labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      rest = rest.slice(1);
      while (!rest.startsWith("}")) {
        const label = LABEL.exec(rest);
        if (!label) throw new Error(`bad labels in: ${line}`);
        labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
        rest = rest.slice(label[0].length);
      }
      rest = rest.slice(1);
    }
    // Float syntax as Prometheus parses it (Go's ParseFloat: Inf and NaN in any case; prom-client writes "Nan").
    const value = /^ (\S+)( -?\d+)?$/.exec(rest);
    if (!value || !/^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?Inf|NaN)$/i.test(value[1])) throw new Error(`bad value in: ${line}`);
    samples.push({ name: name[0], labels, value: Number(value[1].replace(/inf/i, "Infinity")) });
  }
  return { types, samples };
}

export async function scrape(http: string, init?: RequestInit): Promise<Scrape> {
  const res = await fetch(`${http}/metrics`, init);
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const { types, samples } = parsePrometheusText(await res.text());
  return {
    types,
    samples,
    sum(name, labels = {}) {
      if (!samples.some((s) => s.name === name) && !types.has(name)) throw new Error(`no metric ${name} in /metrics`);
      return samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((n, s) => n + s.value, 0);
    },
  };
}

export async function getJson(http: string, path: string): Promise<any> {
  const res = await fetch(`${http}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Polls `check` until it returns true, failing after `timeoutMs` with what it last saw. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
