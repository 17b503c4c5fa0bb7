// wsd's admin page: logs in, polls GET /api/performance/metrics every second
// and draws what it reads. The token lives in sessionStorage (gone with the
// tab), never in the browser's lasting storage.
"use strict";

const TOKEN_KEY = "wsd.admin.token";
const HISTORY = 120;  // seconds of history in each chart
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(TOKEN_KEY);
let previous = null;  // the last metrics and when they were read
let timer = null;
const series = {};    // chart id -> arrays of points, one per line

async function api(method, path, body) {
  const headers = {Authorization: "Bearer " + token};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {method, headers,
                                 body: body === undefined ? undefined : JSON.stringify(body)});
  if (res.status === 401) {
    signOut("Your session ended; log in again.");
    throw new Error("unauthorized");
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ? data.error.message : res.status + " " + res.statusText);
  return data;
}

function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(timer);
  previous = null;
  $("dashboard").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  setStatus("signed out", "");
}

function signedIn() {
  $("login").hidden = true;
  $("dashboard").hidden = false;
  $("logout").hidden = false;
  poll();
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const res = await fetch("/api/auth/login", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: $("username").value, password: $("password").value})});
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error ? data.error.message : "login failed: " + res.status);
    if (data.role !== "admin") throw new Error("this page needs an admin account");
    token = data.access_token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("password").value = "";
    signedIn();
  } catch (e) {
    $("login-error").textContent = e.message;
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/api/auth/logout"); } catch (e) { /* the token is dropped anyway */ }
  signOut();
});

function setStatus(text, cls) {
  $("status").textContent = text;
  $("status").className = "status " + cls;
}

async function poll() {
  clearTimeout(timer);
  if (!token) return;
  try {
    const m = await api("GET", "/api/performance/metrics");
    show(m, performance.now());
    setStatus("live", "live");
  } catch (e) {
    if (!token) return;
    setStatus("no answer: " + e.message, "stale");
  }
  timer = setTimeout(poll, 1000);
}

const fmt = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n) ? "–"
      : n.toLocaleString("en-US", {maximumFractionDigits: digits, minimumFractionDigits: digits});

function bytes(n) {
  if (n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; ++i; }
  return fmt(n, i ? 1 : 0) + " " + units[i];
}

function duration(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
}

// Per-second rate of a counter since the previous poll, or undefined.
function rate(now, get) {
  if (!previous) return undefined;
  const dt = (now.at - previous.at) / 1000;
  const a = get(previous.m), b = get(now.m);
  return dt > 0 && a !== undefined && b !== undefined ? Math.max(0, (b - a) / dt) : undefined;
}

function placeholder(id, text) {
  $(id).innerHTML = '<span class="placeholder"></span>';
  $(id).firstChild.textContent = text;
}

function show(m, at) {
  const now = {m, at};
  const req = m.requests || {}, cache = m.cache || {}, db = m.database || {};
  const cb = m.circuit_breaker || {}, conn = m.connections || {};
  $("uptime").textContent = "up " + duration(m.uptime_seconds || 0);

  const rps = rate(now, (x) => x.requests && x.requests.total);
  $("fig-rps").textContent = fmt(rps, 1);
  $("fig-requests").textContent = fmt(req.total) + " total · " + fmt(req.in_flight) + " in flight";
  push("chart-rps", [rps]);

  const lat = req.latency_ms || {};
  $("fig-p50").textContent = fmt(lat.p50, 2);
  $("fig-p99").textContent = fmt(lat.p99, 2);
  $("fig-latency").textContent = "p90 " + fmt(lat.p90, 2) + " · max " + fmt(lat.max, 2) + " ms";
  push("chart-latency", [lat.p50, lat.p99]);

  const hits = rate(now, (x) => x.cache && x.cache.hits);
  const misses = rate(now, (x) => x.cache && x.cache.misses);
  const recent = hits + misses > 0 ? hits / (hits + misses) : undefined;
  $("fig-hit-rate").textContent = recent === undefined ? "idle" : fmt(100 * recent, 1) + " %";
  $("fig-hits").textContent = "since start " + fmt(100 * (cache.hit_rate || 0), 1) + " % of " +
      fmt((cache.hits || 0) + (cache.misses || 0)) + " lookups" +
      (cache.enabled === false ? " · cache disabled" : "");
  push("chart-hit-rate", [recent === undefined ? undefined : 100 * recent], 100);

  $("fig-entries").textContent = fmt(cache.entries);
  $("fig-bytes").textContent = bytes(cache.bytes) + " of " + bytes(cache.capacity_bytes) +
      " · " + fmt(cache.evictions) + " evicted · " + fmt(cache.expirations) + " expired";
  push("chart-bytes", [cache.bytes]);

  const state = cb.state || "unknown";
  $("fig-breaker").textContent = state.replace("_", "-");
  $("fig-breaker").className = "badge " + state;
  $("fig-breaker-detail").textContent = fmt(cb.failures) + " recent failures · opened " +
      fmt(cb.opened_count) + "× · last " + (cb.last_opened_at || "never");
  push("chart-breaker", [state === "closed" ? 0 : state === "open" ? 2 : 1], 2);

  $("fig-backend").textContent = db.backend || "";
  $("fig-pool").textContent = fmt(db.in_use) + " / " + fmt(db.pool_size) + " in use";
  $("fig-db").textContent = fmt(rate(now, (x) => x.database && x.database.queries), 1) +
      " queries/s · " + fmt(db.errors) + " errors · p99 " +
      fmt((db.latency_ms || {}).p99, 2) + " ms";
  push("chart-pool", [db.in_use], db.pool_size);

  $("fig-connections").textContent = fmt(conn.active);
  $("fig-accepted").textContent = fmt(conn.accepted) + " accepted · " + fmt(conn.rejected) +
      " refused over the limit";
  push("chart-connections", [conn.active]);

  if (m.logins && m.logins.rejected !== undefined) {
    $("fig-logins").textContent = fmt(m.logins.rejected);
    const why = m.logins.rejected_by_reason || {};
    $("fig-logins-detail").textContent = fmt(why.bad_credentials) + " bad credentials · " +
        fmt(why.throttled) + " throttled · " + fmt(why.overloaded) + " overloaded · " +
        fmt(m.logins.pending) + " pending · " + fmt(m.logins.accepted) + " accepted";
    push("chart-logins", [rate(now, (x) => x.logins && x.logins.rejected)]);
  } else {
    placeholder("fig-logins", "not reported");
    $("fig-logins-detail").textContent =
        "this server's metrics have no \"logins\" figures yet; the 429s appear under Responses";
  }

  const codes = Object.entries(req.by_status || {});
  const list = $("fig-status");
  list.replaceChildren();
  for (const [code, n] of codes) {
    const item = document.createElement("span");
    const b = document.createElement("b");
    b.className = "s" + code[0];
    b.textContent = code;
    item.append(b, " " + fmt(n));
    list.append(item);
  }
  if (!codes.length) list.textContent = "no responses yet";
  previous = now;
}

// Appends one value per line to a chart's history and redraws it.
function push(id, values, fixedMax) {
  const lines = series[id] || (series[id] = values.map(() => []));
  values.forEach((v, i) => {
    lines[i].push(v);
    if (lines[i].length > HISTORY) lines[i].shift();
  });
  draw($(id), lines, fixedMax);
}

const COLORS = ["#58a6ff", "#f0883e"];

function draw(canvas, lines, fixedMax) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== w * ratio) { canvas.width = w * ratio; canvas.height = h * ratio; }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const finite = lines.flat().filter((v) => Number.isFinite(v));
  const max = fixedMax || Math.max(1e-9, ...finite) * 1.1;
  g.strokeStyle = "#30363d";
  g.fillStyle = "#8b949e";
  g.font = "10px system-ui, sans-serif";
  g.lineWidth = 1;
  for (const f of [0, 0.5, 1]) {
    const y = Math.round(h - 1 - f * (h - 12)) + 0.5;
    g.beginPath(); g.moveTo(0, y); g.lineTo(w, y); g.stroke();
    if (f) g.fillText(fmt(max * f, max * f < 10 ? 2 : 0), 2, y - 2);
  }
  const step = w / (HISTORY - 1);
  lines.forEach((points, i) => {
    g.strokeStyle = COLORS[i % COLORS.length];
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    const offset = HISTORY - points.length;
    points.forEach((v, j) => {
      if (!Number.isFinite(v)) { pen = false; return; }
      const x = (offset + j) * step, y = h - 1 - (Math.min(v, max) / max) * (h - 12);
      if (pen) g.lineTo(x, y); else g.moveTo(x, y);
      pen = true;
    });
    g.stroke();
  });
}

async function action(run, describe) {
  const out = $("action-result");
  out.textContent = "…";
  try {
    out.textContent = describe(await run());
    poll();
  } catch (e) {
    out.textContent = "failed: " + e.message;
  }
}

$("invalidate").addEventListener("submit", (event) => {
  event.preventDefault();
  const pattern = $("pattern").value;
  action(() => api("POST", "/api/performance/cache-invalidate", {pattern}),
         (r) => "invalidated " + r.invalidated + " entries matching " + r.pattern);
});
$("clear").addEventListener("click", () => {
  if (!confirm("Remove every cache entry?")) return;
  action(() => api("POST", "/api/performance/cache-clear"),
         (r) => "cleared " + r.entries_removed + " entries");
});
$("reset").addEventListener("click", () =>
  action(() => api("POST", "/api/performance/circuit-breaker/reset"),
         (r) => "breaker " + r.state));

if (token) signedIn(); else signOut();
