// The operator's checks of /docs and /admin in a real browser (Debian's
// headless Chromium through puppeteer-core). Every request to another host
// is aborted and fails the test. Run by scripts/lib/browser_test.sh, which
// starts the server and passes WSD_URL, WSD_ADMIN_PASSWORD, WSD_CHROMIUM,
// WSD_SHOTS, WSD_PROFILE and WSD_DRIVER_DIR.
import {createRequire} from "node:module";
import path from "node:path";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env("WSD_URL");
const origin = new URL(base).origin;
const password = env("WSD_ADMIN_PASSWORD");
const shots = env("WSD_SHOTS");
const require = createRequire(path.join(env("WSD_DRIVER_DIR"), "package.json"));
const puppeteer = require("puppeteer-core");

const failures = [];
const outside = [];  // requests to another host, all aborted
const fail = (message) => {
  failures.push(message);
  console.error(`FAIL ${message}`);
};
const pass = (message) => console.error(`ok   ${message}`);

async function login() {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({username: "admin", password})});
  if (!res.ok) throw new Error(`login from node: ${res.status}`);
  return (await res.json()).access_token;
}

async function newPage(browser) {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 900});
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === origin) {
      req.continue();
    } else {
      outside.push(url);
      req.abort("blockedbyclient");
    }
  });
  page.on("pageerror", (e) => fail(`script error on ${page.url()}: ${e.message}`));
  return page;
}

async function checkDocs(browser) {
  const doc = await (await fetch(`${base}/openapi.json`)).json();
  const verbs = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
  const expected = Object.values(doc.paths)
                       .reduce((n, item) => n + Object.keys(item).filter((k) => verbs.has(k)).length, 0);

  const page = await newPage(browser);
  await page.goto(`${base}/docs`, {waitUntil: "networkidle0"});
  await page.waitForFunction((n) => document.querySelectorAll(".opblock").length >= n,
                             {timeout: 30000}, expected)
      .catch(() => {});
  const rendered = await page.$$eval(".opblock", (els) => els.length);
  if (rendered === expected)
    pass(`/docs renders all ${expected} operations of /openapi.json`);
  else
    fail(`/docs renders ${rendered} operations, /openapi.json has ${expected}`);

  const op = "#operations-health-getHealth";
  await page.click(`${op} .opblock-summary-control`);
  await page.waitForSelector(`${op} .try-out__btn`);
  await page.click(`${op} .try-out__btn`);
  await page.waitForSelector(`${op} .execute`);
  await page.click(`${op} .execute`);
  const status = await page
      .waitForFunction((sel) => {
        // The table's header row has a "Code" cell of the same class.
        const cells = document.querySelectorAll(`${sel} .live-responses-table .response-col_status`);
        const code = [...cells].map((c) => c.textContent.trim()).find((t) => /^\d{3}/.test(t));
        return code && code.slice(0, 3);
      }, {timeout: 15000}, op)
      .then((h) => h.jsonValue())
      .catch(() => "none");
  if (status === "200") pass("/docs: Try it out -> Execute on GET /health shows 200");
  else fail(`/docs: Try it out on GET /health shows status ${status}`);
  await page.screenshot({path: path.join(shots, "docs.png"), fullPage: false});
  await page.close();
}

// Requests from node while the admin page watches: reads, misses, 404s.
function load(token, until) {
  const auth = {Authorization: `Bearer ${token}`};
  const one = async (i) => {
    while (Date.now() < until) {
      const target = i % 3 === 0 ? "/health"
                   : i % 3 === 1 ? "/api/workstations?limit=5" : "/api/workstations/999999";
      await fetch(base + target, {headers: auth}).then((r) => r.arrayBuffer()).catch(() => {});
    }
  };
  return Promise.all(Array.from({length: 6}, (_, i) => one(i)));
}

async function figures(page) {
  return page.$$eval(".figure, .sub", (els) => els.map((e) => e.textContent).join(" | "));
}

async function checkAdmin(browser) {
  const page = await newPage(browser);
  await page.goto(`${base}/admin`, {waitUntil: "networkidle0"});
  await page.type("#password", password);
  await page.click("#login button[type=submit]");
  await page.waitForFunction(() => !document.getElementById("dashboard").hidden &&
                                   document.getElementById("status").textContent === "live",
                             {timeout: 20000});
  if (await page.$eval("#login", (e) => getComputedStyle(e).display !== "none"))
    fail("/admin still shows the login form once logged in");
  pass("/admin logs in and polls");
  const before = await figures(page);
  const rpsBefore = await page.$eval("#fig-rps", (e) => e.textContent);

  const token = await login();
  await load(token, Date.now() + 4000);
  const after = await figures(page);
  const rps = await page.$eval("#fig-rps", (e) => e.textContent);
  if (after !== before && rps !== rpsBefore) pass(`/admin figures change under load (${rps} req/s)`);
  else fail(`/admin figures did not change under load: ${after}`);
  const hitRate = await page.$eval("#fig-hit-rate", (e) => e.textContent);
  pass(`/admin shows a cache hit rate of ${hitRate}`);

  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)).join(" "),
    localCount: localStorage.length,
  }));
  if (stored.localCount === 0) pass("no token (nothing at all) in localStorage");
  else fail(`localStorage holds ${stored.localCount} item(s)`);

  page.on("dialog", (d) => d.accept());
  await page.type("#pattern", "workstations:*");
  await page.click("#invalidate button");
  await page.waitForFunction(() => /invalidated \d+/.test(
      document.getElementById("action-result").textContent), {timeout: 10000})
      .then(() => pass("/admin invalidates by pattern"))
      .catch(() => fail("/admin: cache-invalidate gave no answer"));
  await page.click("#reset");
  await page.waitForFunction(() => /breaker closed/.test(
      document.getElementById("action-result").textContent), {timeout: 10000})
      .then(() => pass("/admin resets the breaker"))
      .catch(() => fail("/admin: breaker reset gave no answer"));
  await new Promise((r) => setTimeout(r, 1200));  // one more poll for the screenshot
  await page.screenshot({path: path.join(shots, "admin.png"), fullPage: true});
  await page.close();
}

const browser = await puppeteer.launch({
  executablePath: env("WSD_CHROMIUM"),
  userDataDir: env("WSD_PROFILE"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  await checkDocs(browser);
  await checkAdmin(browser);
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
}
if (outside.length) fail(`requests to other hosts were attempted: ${[...new Set(outside)].join(", ")}`);
else pass("no page requested anything from another host");
process.exit(failures.length ? 1 : 0);
