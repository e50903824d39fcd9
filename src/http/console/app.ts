/**
 * The broker's web console: one page, no framework, talking to /api/. Every view has its own
 * path (/topics, /topics/<name>, /topics/<name>/<partition>, /groups, /groups/<id>) and keeps
 * its inputs in the query string, so links can be shared and a reload stays put.
 */

type Json = any;

const page = document.getElementById("page")!;
/** Cancels the refresh timers of the view on screen when another one is shown. */
let leaveView: (() => void)[] = [];

async function api(path: string, init?: RequestInit): Promise<Json> {
  const res = await fetch(`/api/${path}`, { headers: { "content-type": "application/json" }, ...init });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Builds an element: h("td", { class: "num" }, "42"). Strings become text, never HTML. */
function h(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const link = (href: string, text: string) => h("a", { href, "data-link": "" }, text);
const enc = encodeURIComponent;

function table(headings: string[], rows: (Node | string)[][], numeric: number[] = []): HTMLElement {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...headings.map((t, i) => h("th", numeric.includes(i) ? { class: "num" } : {}, t)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => h("td", numeric.includes(i) ? { class: "num" } : {}, c))))),
  );
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${hr}h ${m}m` : hr > 0 ? `${hr}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function every(ms: number, fn: () => Promise<void>): void {
  let stopped = false;
  const tick = async () => {
    try {
      await fn();
    } catch (err) {
      console.warn(err);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  let timer = setTimeout(tick, ms);
  leaveView.push(() => {
    stopped = true;
    clearTimeout(timer);
  });
}

function show(title: string, ...content: (Node | string)[]): void {
  document.title = `${title} · Kafka broker console`;
  page.replaceChildren(h("h1", {}, title), ...content);
}

function showError(err: unknown): void {
  page.replaceChildren(h("h1", {}, "Error"), h("p", { class: "error" }, String((err as Error).message ?? err)));
}

// ---- Cluster and throughput --------------------------------------------------------------

async function clusterView(): Promise<void> {
  const cluster = await api("cluster");
  const uptime = h("b", {}, duration(cluster.uptimeMs));
  const cards = h(
    "div",
    { class: "cards" },
    h("div", { class: "card" }, "Version", h("b", {}, cluster.version)),
    h("div", { class: "card" }, "Uptime", uptime),
    h("div", { class: "card" }, "Codec", h("b", {}, cluster.codec)),
    h("div", { class: "card" }, "Cluster id", h("b", {}, cluster.clusterId)),
  );
  const brokers = table(["Node", "Host", "Port", "Role"], cluster.brokers.map((b: Json) => [String(b.nodeId), b.host, String(b.port), "broker, controller"]));
  const messages = chart("Messages per second", (s) => [s.messagesIn, s.messagesOut], (n) => n.toFixed(0));
  const data = chart("Bytes per second", (s) => [s.bytesIn, s.bytesOut], (n) => `${bytes(Math.round(n))}`);
  show("Cluster", cards, h("h2", {}, "Throughput"), h("div", { class: "charts" }, messages.element, data.element), h("h2", {}, "Brokers"), brokers);
  const refresh = async () => {
    const { samples } = await api("throughput");
    messages.draw(samples);
    data.draw(samples);
    uptime.textContent = duration(Date.now() - Date.parse(cluster.startedAt));
  };
  await refresh();
  every(1000, refresh);
}

/** A line chart of "in" and "out" rates over the samples, drawn as SVG. */
function chart(title: string, values: (s: Json) => [number, number], format: (n: number) => string) {
  const W = 600, H = 160;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const current = h("span", { class: "muted" });
  const element = h(
    "div",
    { class: "chart", "data-chart": title },
    h("div", { class: "legend" }, h("b", {}, title), " ", h("span", { class: "in" }, "■ in"), h("span", { class: "out" }, "■ out"), current),
    svg,
  );
  const draw = (samples: Json[]) => {
    const series = samples.map(values);
    const max = Math.max(1, ...series.flat());
    const x = (i: number) => (samples.length < 2 ? W : (i / (samples.length - 1)) * W);
    const y = (v: number) => H - 4 - (v / max) * (H - 8);
    svg.replaceChildren();
    for (const [k, cls] of [[0, "in"], [1, "out"]] as const) {
      const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      line.setAttribute("class", cls);
      line.setAttribute("vector-effect", "non-scaling-stroke");
      line.setAttribute("points", series.map((s, i) => `${x(i).toFixed(1)},${y(s[k]).toFixed(1)}`).join(" "));
      svg.append(line);
    }
    const last = series[series.length - 1] ?? [0, 0];
    current.textContent = `   now: ${format(last[0])} in, ${format(last[1])} out · peak ${format(max)}`;
  };
  return { element, draw };
}

// ---- Topics ------------------------------------------------------------------------------

async function topicsView(): Promise<void> {
  const render = (topics: Json[]) =>
    table(
      ["Topic", "Partitions", "Records", "Size"],
      topics.map((t) => [link(`/topics/${enc(t.name)}`, t.name), String(t.partitions), t.records, bytes(t.sizeBytes)]),
      [1, 2, 3],
    );
  const name = h("input", { name: "name", placeholder: "orders", required: "" }) as HTMLInputElement;
  const partitions = h("input", { name: "partitions", type: "number", min: "1", value: "1" }) as HTMLInputElement;
  const status = h("span", { class: "muted" });
  const form = h(
    "form",
    { class: "inline", id: "create-topic" },
    h("label", {}, "New topic", name),
    h("label", {}, "Partitions", partitions),
    h("button", { type: "submit" }, "Create topic"),
    status,
  );
  let list = render(await api("topics"));
  show("Topics", form, list);
  const refresh = async () => {
    const next = render(await api("topics"));
    list.replaceWith(next);
    list = next;
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("topics", { method: "POST", body: JSON.stringify({ name: name.value, partitions: Number(partitions.value) }) });
      status.textContent = `created ${name.value}`;
      status.className = "muted";
      name.value = "";
      await refresh();
    } catch (err) {
      status.textContent = (err as Error).message;
      status.className = "error";
    }
  });
  every(2000, refresh);
}

async function topicView(name: string): Promise<void> {
  const topic = await api(`topics/${enc(name)}`);
  const partitions = table(
    ["Partition", "Leader", "Log start offset", "Log end offset", "Records", "Size", ""],
    topic.partitions.map((p: Json) => [
      String(p.partition),
      String(p.leader),
      p.logStartOffset,
      p.logEndOffset,
      String(BigInt(p.logEndOffset) - BigInt(p.logStartOffset)),
      bytes(p.sizeBytes),
      link(`/topics/${enc(name)}/${p.partition}`, "browse messages"),
    ]),
    [0, 2, 3, 4, 5],
  );
  const partition = h("select", { name: "partition" }, ...topic.partitions.map((p: Json) => h("option", { value: String(p.partition) }, String(p.partition)))) as HTMLSelectElement;
  const key = h("input", { name: "key", placeholder: "key" }) as HTMLInputElement;
  const value = h("textarea", { name: "value", rows: "2", cols: "40", placeholder: '{"hello": "world"}' }) as HTMLTextAreaElement;
  const headers = h("textarea", { name: "headers", rows: "2", cols: "24", placeholder: "source=console" }) as HTMLTextAreaElement;
  const produced = h("span", { class: "muted" });
  const produceForm = h(
    "form",
    { class: "inline", id: "produce" },
    h("label", {}, "Partition", partition),
    h("label", {}, "Key", key),
    h("label", {}, "Value", value),
    h("label", {}, "Headers (name=value per line)", headers),
    h("button", { type: "submit" }, "Produce test message"),
    produced,
  );
  produceForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const headerMap = Object.fromEntries(
      headers.value.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1)]),
    );
    try {
      const r = await api(`topics/${enc(name)}/partitions/${partition.value}/records`, {
        method: "POST",
        body: JSON.stringify({ key: key.value || null, value: value.value, headers: headerMap }),
      });
      produced.textContent = `written at offset ${r.offset}`;
    } catch (err) {
      produced.textContent = (err as Error).message;
    }
  });
  const remove = h("button", { class: "danger", type: "button" }, "Delete topic");
  const confirmBox = h("span", {});
  remove.addEventListener("click", () => {
    const yes = h("button", { class: "danger", type: "button" }, `Yes, delete ${name} and its data`);
    const no = h("button", { class: "plain", type: "button" }, "Cancel");
    yes.addEventListener("click", async () => {
      await api(`topics/${enc(name)}`, { method: "DELETE" });
      navigate("/topics");
    });
    no.addEventListener("click", () => confirmBox.replaceChildren());
    confirmBox.replaceChildren(" ", yes, " ", no);
  });
  show(
    `Topic ${name}`,
    h("p", { class: "muted" }, `topic id ${topic.topicId}`),
    partitions,
    h("h2", {}, "Produce a test message"),
    produceForm,
    h("h2", {}, "Danger zone"),
    h("p", {}, remove, confirmBox),
  );
}

// ---- Message browser ---------------------------------------------------------------------

function shown(b: Json | null): Node {
  if (b === null) return h("span", { class: "muted" }, "null");
  const note = b.truncated ? ` (first 64 KiB of ${bytes(b.size)})` : "";
  return h("div", {}, h("span", { class: "tag" }, b.format), note ? h("span", { class: "muted" }, note) : null, h("pre", {}, b.text));
}

async function messagesView(name: string, partition: string): Promise<void> {
  const query = new URLSearchParams(location.search);
  const offset = h("input", { name: "offset", placeholder: "0, or -50 for the last 50", value: query.get("offset") ?? "" }) as HTMLInputElement;
  const time = h("input", { name: "timestamp", type: "datetime-local", step: "1", value: query.get("timestamp") ?? "" }) as HTMLInputElement;
  const limit = h("input", { name: "limit", type: "number", min: "1", max: "500", value: query.get("limit") ?? "20" }) as HTMLInputElement;
  const form = h(
    "form",
    { class: "inline", id: "browse" },
    h("label", {}, "From offset", offset),
    h("label", {}, "or from time", time),
    h("label", {}, "Records per page", limit),
    h("button", { type: "submit" }, "Show"),
  );
  const result = h("div", {});
  show(`${name} / partition ${partition}`, h("p", {}, link(`/topics/${enc(name)}`, `← topic ${name}`)), form, result);

  const load = async (params: URLSearchParams, remember: boolean) => {
    if (remember) history.replaceState(null, "", `${location.pathname}?${params}`);
    const api_params = new URLSearchParams(params);
    const ts = params.get("timestamp");
    if (ts) api_params.set("timestamp", String(new Date(ts).getTime()));
    const data = await api(`topics/${enc(name)}/partitions/${enc(partition)}/records?${api_params}`);
    const rows = data.records.map((r: Json) => [
      r.offset,
      new Date(Number(r.timestamp)).toISOString(),
      shown(r.key),
      h("div", {}, ...r.headers.map((hd: Json) => h("div", {}, h("b", {}, `${hd.key}: `), hd.value === null ? "null" : hd.value.text))),
      shown(r.value),
    ]);
    const next = h("button", { type: "button", class: "plain" }, "Next page →");
    next.addEventListener("click", () => {
      const p = new URLSearchParams({ offset: data.nextOffset, limit: limit.value });
      offset.value = data.nextOffset;
      time.value = "";
      void load(p, true);
    });
    result.replaceChildren(
      h("p", { class: "muted" }, `log start ${data.logStartOffset}, log end ${data.logEndOffset}; ${data.records.length} records shown`),
      ...data.undecoded.map((u: Json) =>
        h("p", { class: "muted" }, `offsets ${u.baseOffset}–${u.lastOffset}: compressed (${u.compression}), ${u.recordsCount} records not shown`),
      ),
      table(["Offset", "Timestamp", "Key", "Headers", "Value"], rows, [0]),
      BigInt(data.nextOffset) < BigInt(data.logEndOffset) ? h("p", {}, next) : h("p", { class: "muted" }, "end of the partition"),
    );
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const p = new URLSearchParams({ limit: limit.value });
    if (time.value) p.set("timestamp", time.value);
    else if (offset.value) p.set("offset", offset.value);
    void load(p, true).catch(showError);
  });
  const initial = new URLSearchParams({ limit: limit.value });
  for (const k of ["offset", "timestamp"]) if (query.get(k)) initial.set(k, query.get(k)!);
  await load(initial, false);
}

// ---- Consumer groups ---------------------------------------------------------------------

async function groupsView(): Promise<void> {
  const render = (groups: Json[]) =>
    table(
      ["Group", "State", "Protocol type", "Members", "Lag"],
      groups.map((g) => [link(`/groups/${enc(g.groupId)}`, g.groupId), g.state, g.protocolType || "—", String(g.members), String(g.lag)]),
      [3, 4],
    );
  let list = render(await api("groups"));
  show("Consumer groups", list);
  every(2000, async () => {
    const next = render(await api("groups"));
    list.replaceWith(next);
    list = next;
  });
}

async function groupView(groupId: string): Promise<void> {
  const render = (g: Json) =>
    h(
      "div",
      {},
      h("div", { class: "cards" },
        h("div", { class: "card" }, "State", h("b", {}, g.state)),
        h("div", { class: "card" }, "Protocol", h("b", {}, g.protocol || "—")),
        h("div", { class: "card" }, "Members", h("b", {}, String(g.members.length))),
        h("div", { class: "card", id: "group-lag" }, "Total lag", h("b", {}, String(g.lag)))),
      h("h2", {}, "Members"),
      table(
        ["Member", "Client id", "Host", "Assignment"],
        g.members.map((m: Json) => [m.memberId, m.clientId, m.clientHost, m.assignment.map((a: Json) => `${a.topic}: ${a.partitions.join(", ")}`).join("; ") || "—"]),
      ),
      h("h2", {}, "Committed offsets"),
      table(
        ["Topic", "Partition", "Committed offset", "Log end offset", "Lag"],
        g.offsets.map((o: Json) => [link(`/topics/${enc(o.topic)}`, o.topic), String(o.partition), o.committedOffset, o.logEndOffset, String(o.lag)]),
        [1, 2, 3, 4],
      ),
    );
  let body = render(await api(`groups/${enc(groupId)}`));
  show(`Group ${groupId}`, body);
  every(2000, async () => {
    const next = render(await api(`groups/${enc(groupId)}`));
    body.replaceWith(next);
    body = next;
  });
}

// ---- Routing -----------------------------------------------------------------------------

function route(path: string): Promise<void> {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return clusterView();
  if (parts[0] === "topics" && parts.length === 1) return topicsView();
  if (parts[0] === "topics" && parts.length === 2) return topicView(parts[1]);
  if (parts[0] === "topics" && parts.length === 3) return messagesView(parts[1], parts[2]);
  if (parts[0] === "groups" && parts.length === 1) return groupsView();
  if (parts[0] === "groups" && parts.length === 2) return groupView(parts[1]);
  return Promise.resolve(show("Not found", h("p", {}, "No such page. ", link("/", "Back to the cluster"))));
}

function render(): void {
  for (const leave of leaveView) leave();
  leaveView = [];
  const section = location.pathname.split("/")[1] ?? "";
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", (a.getAttribute("href") ?? "").split("/")[1] === section);
  }
  route(location.pathname).catch(showError);
}

function navigate(href: string): void {
  history.pushState(null, "", href);
  render();
}

document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest("a[data-link]");
  if (!a || (e as MouseEvent).ctrlKey || (e as MouseEvent).metaKey) return;
  e.preventDefault();
  navigate(a.getAttribute("href")!);
});
window.addEventListener("popstate", render);
render();
