// The Game Balance GUI: chat with the agents over A2A-on-Kafka, and watch the wire.
// No framework, no build step. Server endpoints: see game_balance/gui/app.py.
"use strict";

const AGENTS = {
  balance: { label: "Balance", ko: "밸런스" },
  data: { label: "Data", ko: "데이터 분석" },
  cs: { label: "CS", ko: "CS" },
};
const EXAMPLES = {
  balance: ["패치 밸런스 분석해줘", "Analyze balance for patch 7.3", "테란 승률?"],
  data: ["승률?", "저그 승률 패치별", "What is the Protoss win rate on patch 7.3?"],
  cs: ["7.3 패치 불만 top", "Sentiment trend across patches"],
};
const WIRE_MAX_ROWS = 600;

const state = {
  agent: "balance",
  conversations: {}, // agent → { taskId, contextId, question }
  busy: false,
  idleTimeout: 30,
  gui: "a2a-kafka-gui",
  prefix: "",
};

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
};
const conversation = (agent) =>
  (state.conversations[agent] ||= { taskId: "", contextId: "", question: null });

// ---- agents -------------------------------------------------------------------------------

async function loadAgents() {
  let listed = Object.keys(AGENTS).map((name) => ({ name, registered: null }));
  let body = null;
  try {
    const reply = await fetch("/api/agents");
    body = await reply.json();
    listed = body.agents;
    const settings = body.settings || {};
    if (settings.idle_timeout) state.idleTimeout = settings.idle_timeout;
    state.prefix = settings.topic_prefix || "";
    if (state.prefix) $("wire-prefix").textContent = `topic prefix ${state.prefix}`;
  } catch (error) {
    /* the chat reports reachability itself */
  }
  $("deadline").textContent = `request deadline ${state.idleTimeout} s`;
  if (body && body.error) {
    $("log").append(el("div", { class: "error", role: "alert", "data-kind": "registry" },
      el("strong", { text: "Agent registry unavailable" }), body.error));
  }
  const nav = $("agent-select");
  nav.replaceChildren();
  for (const agent of listed) {
    const info = AGENTS[agent.name] || { label: agent.name, ko: agent.name };
    const dot = el("span", {
      class: agent.registered === true ? "dot on" : agent.registered === false ? "dot off" : "dot",
    });
    const button = el("button", {
      type: "button", class: "agent", "data-agent": agent.name,
      "aria-pressed": String(agent.name === state.agent),
      title: agent.description || (agent.registered === false ? "not registered on this cluster" : ""),
    }, dot, `${info.label}`);
    button.addEventListener("click", () => selectAgent(agent.name));
    nav.append(button);
  }
  showExamples();
}

function selectAgent(name) {
  state.agent = name;
  for (const button of document.querySelectorAll("#agent-select button")) {
    button.setAttribute("aria-pressed", String(button.dataset.agent === name));
  }
  showPending();
  showExamples();
  $("composer-input").focus();
}

function showExamples() {
  const box = $("examples");
  box.replaceChildren();
  for (const text of EXAMPLES[state.agent] || []) {
    const button = el("button", { type: "button", text });
    button.addEventListener("click", () => send(text));
    box.append(button);
  }
}

function showPending() {
  const question = conversation(state.agent).question;
  $("pending").hidden = !question;
  $("pending-question").textContent = question || "";
  $("composer-input").placeholder = question
    ? "Your answer · 답변을 입력하세요"
    : "패치 밸런스 분석해줘 · Analyze balance for patch 7.3";
}

// ---- chat ---------------------------------------------------------------------------------

function scrollLog() {
  const log = $("log");
  log.scrollTop = log.scrollHeight;
}

function setBusy(busy) {
  state.busy = busy;
  $("send").disabled = busy;
  $("send").textContent = busy ? "Working…" : "Send";
  for (const button of document.querySelectorAll(".question button")) button.disabled = busy;
}

async function send(text) {
  text = (text || "").trim();
  if (!text || state.busy) return;
  const agent = state.agent;
  const convo = conversation(agent);
  const continuing = Boolean(convo.question);
  for (const card of document.querySelectorAll(`.question[data-agent="${agent}"]:not(.answered)`)) {
    card.classList.add("answered");
    for (const input of card.querySelectorAll("input, button")) input.disabled = true;
  }
  const info = AGENTS[agent] || { label: agent };
  $("log").append(el("div", { class: "user" },
    el("span", { class: "to", text: `to ${info.label}${continuing ? " · answer" : ""}` }), text));
  const turn = new Turn(agent);
  $("log").append(turn.node);
  scrollLog();
  setBusy(true);
  const body = {
    agent, text,
    task_id: continuing ? convo.taskId : "",
    context_id: convo.contextId || "",
  };
  convo.question = null;
  showPending();
  try {
    await streamTurn(body, (event) => turn.handle(event));
  } catch (error) {
    turn.error("unreachable", `The GUI server cannot be reached: ${error.message || error}`);
    turn.finish();
  } finally {
    setBusy(false);
    scrollLog();
  }
}

// POST the turn and read its Server-Sent Events; a watchdog aborts if nothing arrives.
async function streamTurn(body, onEvent) {
  const controller = new AbortController();
  const limit = (state.idleTimeout + 15) * 1000;
  let watchdog = setTimeout(() => controller.abort(), limit);
  const reply = await fetch("/api/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (!reply.ok) {
    clearTimeout(watchdog);
    const problem = await reply.json().catch(() => ({}));
    throw new Error(problem.error || `HTTP ${reply.status}`);
  }
  const reader = reply.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  let done = false;
  try {
    while (true) { // past "done" too: the turn's trace follows it
      const chunk = await reader.read();
      if (chunk.done) break;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), limit);
      buffer += decoder.decode(chunk.value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of message.split("\n")) {
          if (!line.startsWith("data: ")) continue;
          const event = JSON.parse(line.slice(6));
          if (event.type === "done") done = true;
          onEvent(event);
        }
      }
    }
  } catch (error) {
    if (error.name === "AbortError") {
      throw new Error(`no event for ${Math.round(limit / 1000)} s; the connection was dropped`);
    }
    throw error;
  } finally {
    clearTimeout(watchdog);
  }
  if (!done) throw new Error("the stream ended before the turn did");
}

class Turn {
  constructor(agent) {
    this.agent = agent;
    this.steps = 0;
    this.finished = false;
    const info = AGENTS[agent] || { label: agent };
    this.status = el("span", { class: "spinner", text: "waiting for the agent" });
    this.node = el("div", { class: "turn", "data-agent": agent },
      el("div", { class: "who" }, `${info.label} agent · `, this.status));
    this.thinkingList = el("ol");
    this.summary = el("summary", { text: "Thinking" });
    this.thinking = el("details", { class: "thinking", open: "" }, this.summary, this.thinkingList);
    this.thinking.hidden = true;
    this.node.append(this.thinking);
  }

  handle(event) {
    const handler = {
      task: () => this.setStatus(`task ${event.state}`),
      thinking: () => this.think(event),
      question: () => this.question(event),
      answer: () => this.answer(event),
      state: () => this.state(event),
      error: () => this.error(event.kind, event.message),
      trace: () => this.waterfall(event),
      done: () => this.done(event),
    }[event.type];
    if (handler) handler();
    scrollLog();
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  think(event) {
    this.steps += 1;
    this.thinking.hidden = false;
    this.summary.textContent = `Thinking · ${this.steps} step${this.steps === 1 ? "" : "s"}`;
    const source = event.source || event.agent || this.agent;
    const shown = event.source ? event.text.replace(/^\[[^\]]+\]\s*/, "") : event.text;
    const text = el("span", { class: "text", text: shown });
    if (event.rows_total && event.rows_scanned !== null && event.rows_scanned !== undefined) {
      const share = Math.min(100, (100 * event.rows_scanned) / event.rows_total);
      text.append(el("span", { class: "progress" }, el("i", { style: `width:${share.toFixed(0)}%` })));
    }
    this.thinkingList.append(el("li", {
      class: "thinking-item", "data-step": event.step || "", "data-source": source,
      "data-arrived": String(performance.now()),
    }, el("span", { class: "t", text: `+${event.elapsed.toFixed(2)}s` }),
       el("span", { class: `badge ${source}`, text: source }), text));
    this.thinkingList.scrollTop = this.thinkingList.scrollHeight;
    this.setStatus("thinking");
  }

  question(event) {
    const convo = conversation(this.agent);
    convo.taskId = event.task_id;
    convo.contextId = event.context_id;
    convo.question = event.text;
    const input = el("input", {
      class: "question-input", type: "text", "aria-label": "Answer",
      placeholder: "답변 · your answer",
    });
    const form = el("form", { class: "question-form" }, input,
      el("button", { type: "submit", class: "question-send", text: "Answer" }));
    form.addEventListener("submit", (submitted) => {
      submitted.preventDefault();
      selectAgent(this.agent);
      send(input.value);
    });
    const card = el("div", { class: "question", "data-agent": this.agent },
      el("div", { class: "q", text: event.text }), form);
    this.node.append(card);
    this.setStatus("asks you");
    showPending();
    if (this.agent === state.agent) setTimeout(() => input.focus(), 0);
  }

  answer(event) {
    const box = el("div", { class: "answer", "data-name": event.name });
    const body = el("div", { class: "markdown" });
    body.innerHTML = event.html; // rendered and escaped by the server (gui/markdown.py)
    box.append(body);
    if (event.chart) {
      const chart = el("div", { class: "chart-box" });
      chart.innerHTML = event.chart; // SVG drawn and escaped by the server (gui/chart.py)
      const second = body.querySelectorAll("h2")[1]; // after the summary, when there is one
      if (second) body.insertBefore(chart, second);
      else box.append(chart);
    }
    if (event.name === "balance-report") box.classList.add("report");
    this.thinking.open = false; // the answer is what matters now; the steps stay one click away
    box.dataset.arrived = String(performance.now());
    this.node.append(box);
    this.setStatus("answered");
  }

  state(event) {
    if (event.state === "failed" || event.state === "rejected" || event.state === "canceled") {
      this.error(`task-${event.state}`, event.text || `The task ended ${event.state}.`);
    } else if (event.text) {
      this.node.append(el("div", { class: "state-line", text: event.text }));
    }
  }

  error(kind, message) {
    const titles = {
      "agent-not-found": "Agent not found",
      timeout: "Timed out",
      "broker-down": "Kafka is down",
      transport: "Could not send",
      "agent-error": "The agent returned an error",
      unreachable: "GUI server unreachable",
      "task-failed": "The agent could not finish",
    };
    this.node.append(el("div", { class: "error", role: "alert", "data-kind": kind },
      el("strong", { text: titles[kind] || "Error" }), message));
    this.setStatus("failed");
  }

  // The turn's calls as a waterfall: each bar is a call's round trip, its dark part the time
  // in the agent (its process span), the light rest the time on Kafka; sub-calls indented.
  waterfall(event) {
    if (!event.rows || !event.rows.length) return;
    const end = Math.max(...event.rows.map((r) => r.start_ms + r.total_ms), 1);
    const pct = (ms) => `${((100 * ms) / end).toFixed(2)}%`;
    const list = el("div", { class: "wf-rows" });
    for (const row of event.rows) {
      const bar = el("span", { class: "wf-bar", style: `left:${pct(row.start_ms)};width:${pct(row.total_ms)}` });
      if (row.agent_ms !== null) {
        const offset = row.agent_start_ms - row.start_ms;
        bar.append(el("span", { class: "wf-agent", style:
          `left:${((100 * offset) / Math.max(row.total_ms, 1)).toFixed(2)}%;` +
          `width:${((100 * row.agent_ms) / Math.max(row.total_ms, 1)).toFixed(2)}%` }));
      }
      const timing = row.agent_ms === null
        ? `${row.total_ms.toFixed(0)} ms`
        : `${row.total_ms.toFixed(0)} ms · agent ${row.agent_ms.toFixed(0)} · Kafka ${row.kafka_ms.toFixed(0)}`;
      list.append(el("div", {
        class: "wf-row", "data-agent": row.agent, "data-depth": String(row.depth),
        "data-agent-ms": String(row.agent_ms), "data-kafka-ms": String(row.kafka_ms),
      }, el("span", { class: "wf-label", style: `padding-left:${row.depth * 16}px`,
                      text: `${row.agent} · ${row.method}` }),
         el("span", { class: "wf-track" }, bar),
         el("span", { class: "wf-ms", text: timing })));
    }
    const kafka = event.rows.reduce((sum, r) => sum + r.kafka_ms, 0);
    const summary = el("summary", {
      text: `Trace · ${event.rows.length} call${event.rows.length === 1 ? "" : "s"} · ` +
        `${event.rows[0].total_ms.toFixed(0)} ms · Kafka ${kafka.toFixed(0)} ms in all`,
    });
    const legend = el("div", { class: "wf-legend" },
      el("span", { class: "wf-key agent" }), "in the agent ",
      el("span", { class: "wf-key kafka" }), "on Kafka (queue, broker, network) ",
      el("code", { text: event.trace_id }));
    this.node.append(el("details", { class: "waterfall", "data-trace-id": event.trace_id },
      summary, list, legend));
  }

  done(event) {
    setBusy(false); // the page is free; the trace may still come
    const convo = conversation(this.agent);
    convo.contextId = event.context_id || convo.contextId;
    if (event.state !== "input-required") {
      convo.taskId = "";
      convo.question = null;
    }
    this.finish(event);
  }

  finish(event) {
    this.finished = true;
    this.status.classList.remove("spinner");
    if (event) {
      const words = { completed: "done", "input-required": "waiting for your answer", failed: "failed" };
      this.setStatus(`${words[event.state] || event.state} · ${event.elapsed.toFixed(1)} s`);
    }
    this.summary.textContent = `Thinking · ${this.steps} step${this.steps === 1 ? "" : "s"}`;
    showPending();
  }
}

// ---- wire ---------------------------------------------------------------------------------

const wireSeen = new Set();

function connectWire() {
  const source = new EventSource("/api/wire");
  source.onmessage = (message) => {
    const row = JSON.parse(message.data);
    if (row.type === "status") showBroker(row);
    else addWireRow(row);
  };
  source.onerror = () => showBroker({ broker: "connecting", detail: "reconnecting to the GUI server" });
}

function showBroker(status) {
  const pill = $("broker-status");
  pill.dataset.broker = status.broker;
  pill.textContent = { up: "Kafka: connected", down: "Kafka: DOWN" }[status.broker] || "Kafka: connecting…";
  pill.title = status.detail || "";
}

const shortId = (id) => (id ? id.slice(0, 8) : "");
const clock = (ms) => {
  const time = new Date(ms);
  return time.toLocaleTimeString("en-GB", { hour12: false }) + "." + String(time.getMilliseconds()).padStart(3, "0");
};
const unprefixed = (topic) =>
  state.prefix && topic.startsWith(state.prefix) ? topic.slice(state.prefix.length) : topic;
const who = (caller) => (caller === state.gui ? "gui" : caller);

function addWireRow(row) {
  if (wireSeen.has(row.id)) return;
  wireSeen.add(row.id);
  const request = row.direction === "request";
  const isError = (row.summary || "").startsWith("error ");
  const route = request ? `${who(row.caller)} → ${row.agent}` : `${row.agent || "?"} → ${who(row.caller)}`;
  const tr = el("tr", {
    class: `wire-row ${row.direction}${isError ? " error-reply" : ""} fresh`,
    "data-topic": row.topic, "data-direction": row.direction,
    "data-correlation-id": row.correlation_id, "data-method": row.method || "",
    title: `${route}\ncorrelation id ${row.correlation_id}\n${row.bytes} bytes`,
  },
  el("td", { text: clock(row.timestamp) }),
  el("td", { class: "dir", text: request ? "→" : "←" }),
  el("td", { class: "topic" }, `${unprefixed(row.topic)} [${row.partition}] @${row.offset}`,
    el("span", { class: "summary", text: `${route} · ${row.summary || ""}` })),
  el("td", { text: row.key ? shortId(row.key) : "—" }),
  el("td", { text: shortId(row.correlation_id) }),
  el("td", { text: row.method || "" }),
  el("td", { text: request ? "request" : `${row.kind}${row.seq === null ? "" : " #" + row.seq}` }),
  el("td", { class: "lat", text: row.latency_ms === null || row.latency_ms === undefined ? "" : `${row.latency_ms} ms` }));
  const body = $("wire-rows");
  body.append(tr);
  setTimeout(() => tr.classList.remove("fresh"), 1500);
  while (body.children.length > WIRE_MAX_ROWS) body.firstElementChild.remove();
  $("wire-count").textContent = `${wireSeen.size} records`;
  const scroller = $("wire-scroll");
  scroller.scrollTop = scroller.scrollHeight;
}

// ---- start --------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("composer").addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const input = $("composer-input");
    const text = input.value;
    input.value = "";
    send(text);
  });
  $("pending-cancel").addEventListener("click", () => {
    const convo = conversation(state.agent);
    convo.question = null;
    convo.taskId = "";
    showPending();
  });
  loadAgents();
  connectWire();
});
