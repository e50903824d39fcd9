// The web console in headless Chromium against a broker that real clients (KafkaJS, kcat) use:
// what a person opening the page would see. A screenshot of each page goes to test-results/console/.
import { mkdirSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../browser/chromium.ts";
import type { TestBroker } from "../clients/support/broker.ts";
import { runOk } from "../clients/support/process.ts";
import { getJson, httpBase, startHttpTestBroker, until } from "./support.ts";
import { describeWith } from "../support/system-clients.ts";

const SCREENSHOTS = new URL("../../test-results/console/", import.meta.url);
const PAGE_TIMEOUT_MS = 10_000;

let broker: TestBroker;
let http: string;
let kafka: Kafka;
let browser: Browser;
const pageErrors: string[] = [];

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.on("pageerror", (error) => pageErrors.push(`${path}: ${error.message}`));
  const response = await page.goto(`${http}${path}`);
  expect(response?.status()).toBe(200);
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

describeWith(["chromium", "kcat"], "the console", () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    broker = await startHttpTestBroker();
    http = httpBase(broker);
    kafka = new Kafka({ clientId: "console-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: "orders",
      messages: [
        { partition: 0, key: "order-1", value: JSON.stringify({ id: 1, item: "pineapple" }), headers: { source: "web", trace: "abc-123" } },
        ...Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, key: `order-${i + 2}`, value: `plain text ${i + 2}` })),
      ],
    });
    await producer.disconnect();
    // A group that committed offset 1 on partition 0 and 0 on partition 1 has the rest to read.
    await admin.setOffsets({ groupId: "billing", topic: "orders", partitions: [{ partition: 0, offset: "1" }, { partition: 1, offset: "0" }] });
    await admin.disconnect();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await broker?.dispose();
  });

  it("lists a topic a client created, with its partitions and records", async () => {
    const page = await open("/topics");
    const row = page.locator("tr", { has: page.locator("a", { hasText: /^orders$/ }) });
    await expect(row.locator("td").nth(1).textContent()).resolves.toBe("2");
    await expect(row.locator("td").nth(2).textContent()).resolves.toBe("31");
    await screenshot(page, "topics");
    await page.close();
  });

  it("shows a produced record's key, headers and JSON value in the message browser (a deep link)", async () => {
    const page = await open("/topics/orders/0");
    const first = page.locator("tbody tr").first();
    await first.getByText("order-1").waitFor();
    await expect(first.textContent()).resolves.toContain("source: web");
    await expect(first.textContent()).resolves.toContain("trace: abc-123");
    // JSON values are pretty-printed.
    await expect(first.locator("pre").last().textContent()).resolves.toBe(JSON.stringify({ id: 1, item: "pineapple" }, null, 2));
    await screenshot(page, "messages");

    // One page at a time: asking for 5 records shows 5 and offers the next page.
    await page.fill("input[name=limit]", "5");
    await page.fill("input[name=offset]", "3");
    await page.click("#browse button[type=submit]");
    await page.getByText("Next page").waitFor();
    await expect(page.locator("tbody tr").count()).resolves.toBe(5);
    await expect(page.locator("tbody tr td").first().textContent()).resolves.toBe("3");
    expect(new URL(page.url()).search).toContain("offset=3");
    // A reload stays on the same page of records.
    await page.reload();
    await page.getByText("Next page").waitFor();
    await expect(page.locator("tbody tr td").first().textContent()).resolves.toBe("3");
    await page.close();
  });

  it("shows a consumer group's committed offsets and lag", async () => {
    const page = await open("/groups");
    await page.getByRole("link", { name: "billing" }).click();
    await page.waitForURL(/\/groups\/billing$/);
    // 16 records on partition 0 (committed 1) and 15 on partition 1 (committed 0): 15 + 15 behind.
    await until("the group's lag on the page", PAGE_TIMEOUT_MS, async () => (await page.locator("#group-lag b").textContent()) === "30");
    const rows = page.locator("tbody tr", { hasText: "orders" });
    await expect(rows.count()).resolves.toBe(2);
    await screenshot(page, "group");
    await page.close();
  });

  it("draws the throughput chart after traffic", async () => {
    const producer = kafka.producer();
    await producer.connect();
    const page = await open("/");
    await page.getByText("Throughput").waitFor();
    // Keep producing until a sample with records in it reaches the chart: its "in" line leaves the baseline.
    const drawn = async () =>
      page.locator(`[data-chart="Messages per second"] polyline.in`).evaluate((line) => {
        const ys = (line.getAttribute("points") ?? "").split(" ").filter(Boolean).map((p) => Number(p.split(",")[1]));
        return ys.length > 1 && Math.min(...ys) < 150;
      });
    const deadline = Date.now() + 15_000;
    while (!(await drawn())) {
      if (Date.now() > deadline) throw new Error("the chart never showed the produced messages");
      await producer.send({ topic: "orders", messages: Array.from({ length: 50 }, (_, i) => ({ value: `chart ${i}` })) });
    }
    await producer.disconnect();
    await expect(page.locator(".card", { hasText: "Version" }).textContent()).resolves.toContain("0.1.0");
    await screenshot(page, "cluster");
    await page.close();
  });

  it("creates a topic that kcat then sees, produces a test message to it and deletes it", async () => {
    const page = await open("/topics");
    await page.fill("#create-topic input[name=name]", "from-console");
    await page.fill("#create-topic input[name=partitions]", "3");
    await page.click("#create-topic button[type=submit]");
    await page.getByRole("link", { name: "from-console" }).waitFor();
    const listed = await runOk("kcat", ["-b", broker.bootstrap, "-L", "-t", "from-console", "-J"], { timeoutMs: 20_000 });
    const metadata = JSON.parse(listed.stdout) as { topics: { topic: string; partitions: unknown[]; error?: string }[] };
    expect(metadata.topics).toMatchObject([{ topic: "from-console", partitions: expect.any(Array) }]);
    expect(metadata.topics[0].partitions).toHaveLength(3);

    await page.getByRole("link", { name: "from-console" }).click();
    await page.waitForURL(/\/topics\/from-console$/);
    await page.selectOption("#produce select[name=partition]", "2");
    await page.fill("#produce input[name=key]", "hello-key");
    await page.fill("#produce textarea[name=value]", "hello from the console");
    await page.fill("#produce textarea[name=headers]", "origin=console");
    await page.click("#produce button[type=submit]");
    await page.getByText("written at offset 0").waitFor();
    const consumed = await runOk("kcat", ["-b", broker.bootstrap, "-C", "-t", "from-console", "-p", "2", "-o", "beginning", "-e", "-q", "-f", "%k|%s|%h\n"], { timeoutMs: 20_000 });
    expect(consumed.stdout).toBe("hello-key|hello from the console|origin=console\n");
    await screenshot(page, "topic");

    await page.getByRole("button", { name: "Delete topic" }).click();
    await page.getByRole("button", { name: /Yes, delete from-console/ }).click();
    await page.waitForURL(/\/topics$/);
    await until("the deleted topic to leave the API", PAGE_TIMEOUT_MS, async () =>
      !(await getJson(http, "/api/topics")).some((t: { name: string }) => t.name === "from-console"));
    await page.close();
  });

  it("raised no script errors on any page", () => {
    expect(pageErrors).toEqual([]);
  });
});
