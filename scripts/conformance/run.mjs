// `npm run conformance`: serves the fixture project in conformance/ with the
// graph-mcp CLI, runs the official MCP conformance suite against it twice
// (the active suite on the 2025-11-25 wire, then `--requirements 2026-07-28`
// on the stateless wire) and judges every scenario against
// conformance/baseline.yml. Exits non-zero on any failure the baseline does
// not list, and on any baseline entry that no longer fails, so the baseline
// cannot go stale. Results (checks.json per scenario, the suite's and the
// server's output) are kept under conformance/results/.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = 'conformance/agent.config.json';
const BASELINE = path.join(ROOT, 'conformance/baseline.yml');
const RESULTS = path.join(ROOT, 'conformance/results');
const SHIM = path.join(ROOT, 'scripts/conformance/node20-fs-glob.mjs');
const SUITE_TIMEOUT_MS = 10 * 60_000;

const RUNS = [
  { name: 'active', title: 'active suite, 2025-11-25 wire (initialize per request)', args: [] },
  { name: 'requirements-2026-07-28', title: '--requirements 2026-07-28, stateless wire', args: ['--requirements', '2026-07-28'] },
];

const require = createRequire(import.meta.url);
const suitePackage = require.resolve('@modelcontextprotocol/conformance/package.json');
const SUITE_BIN = path.join(path.dirname(suitePackage), 'dist/index.js');
const SUITE_VERSION = JSON.parse(readFileSync(suitePackage, 'utf8')).version;

async function main() {
  const baseline = loadBaseline(BASELINE);
  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });

  const server = await startServer(path.join(RESULTS, 'server.log'));
  console.log(`conformance suite ${SUITE_VERSION} against ${server.url} (${CONFIG})\n`);
  const used = new Set();
  let bad = 0;
  try {
    for (const run of RUNS) {
      const results = await runSuite(run, server.url);
      const verdicts = judge(results, baseline, used);
      bad += report(run, verdicts);
    }
  } finally {
    server.stop();
  }

  const unused = baseline.entries.filter((entry) => !used.has(entry.text));
  for (const entry of unused) console.log(`STALE baseline entry "${entry.text}": no run has this scenario; remove it`);
  bad += unused.length;
  console.log(bad === 0 ? '\nconformance: ok' : `\nconformance: ${bad} problem(s); details under ${path.relative(ROOT, RESULTS)}/`);
  return bad === 0 ? 0 : 1;
}

/** conformance/baseline.yml: the suite's expected-failures format; every entry carries its reason as a comment. */
function loadBaseline(file) {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
  const list = doc.get('server', true);
  const entries = (list?.items ?? []).map((item) => {
    const text = String(item.value);
    const reason = (item.comment ?? item.commentBefore ?? '').trim();
    if (reason === '') throw new Error(`${file}: entry "${text}" has no reason; add one as a comment`);
    const colon = text.indexOf(':');
    return colon === -1 ? { text, scenario: text, reason } : { text, scenario: text.slice(0, colon), check: text.slice(colon + 1), reason };
  });
  return { entries };
}

/** The graph-mcp CLI serving the fixture project on a free loopback port. */
async function startServer(logFile) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', CONFIG, '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s; see ${logFile}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before serving; see ${logFile}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      try {
        const record = JSON.parse(line);
        if (typeof record.url === 'string') {
          clearTimeout(timer);
          resolve(record.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Runs the suite once; returns `{ scenario, checks }` per scenario it ran. */
async function runSuite(run, url) {
  const dir = path.join(RESULTS, run.name);
  const out = createWriteStream(`${dir}.log`);
  const child = spawn(process.execPath, ['--import', SHIM, SUITE_BIN, 'server', '--url', url, '-o', dir, ...run.args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let announced;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const match = /^Running .* \((\d+) scenarios\)/.exec(line);
    if (match) announced = Number(match[1]);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), SUITE_TIMEOUT_MS);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  const results = existsSync(dir)
    ? readdirSync(dir)
        .map((name) => ({ name, match: /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(name) }))
        .filter(({ match }) => match)
        .map(({ name, match }) => ({ scenario: match[1], checks: JSON.parse(readFileSync(path.join(dir, name, 'checks.json'), 'utf8')) }))
    : [];
  if (announced === undefined || results.length !== announced) {
    throw new Error(`${run.name}: the suite (exit ${code}) ran ${results.length} of ${announced ?? '?'} scenarios; see ${dir}.log`);
  }
  return results.sort((a, b) => a.scenario.localeCompare(b.scenario));
}

const failed = (check) => check.status === 'FAILURE' || check.status === 'WARNING';

/**
 * The suite's own baseline rules: a whole-scenario entry excuses every
 * failing check of the scenario and goes stale when none fails; a
 * `scenario:check` entry excuses that check only and goes stale when that
 * check succeeds. Everything else that fails is unexpected.
 */
function judge(results, baseline, used) {
  return results.map(({ scenario, checks }) => {
    const entries = baseline.entries.filter((entry) => entry.scenario === scenario);
    for (const entry of entries) used.add(entry.text);
    const whole = entries.find((entry) => entry.check === undefined);
    const failing = checks.filter(failed);
    if (whole) {
      return failing.length > 0
        ? { scenario, status: 'baselined', note: whole.reason }
        : { scenario, status: 'stale', note: `"${whole.text}" passes now; remove it from the baseline` };
    }
    const excused = new Map(entries.map((entry) => [entry.check, entry]));
    const unexpected = failing.filter((check) => !excused.has(check.id));
    if (unexpected.length > 0) {
      const first = unexpected[0];
      return { scenario, status: 'FAIL', note: `${first.id}: ${first.errorMessage ?? first.status}${unexpected.length > 1 ? ` (+${unexpected.length - 1} more)` : ''}` };
    }
    const stale = [...excused.values()].filter((entry) => checks.some((c) => c.id === entry.check && c.status === 'SUCCESS') && !failing.some((c) => c.id === entry.check));
    if (stale.length > 0) return { scenario, status: 'stale', note: `"${stale[0].text}" passes now; remove it from the baseline` };
    const baselined = failing.map((check) => excused.get(check.id));
    if (baselined.length > 0) return { scenario, status: 'baselined', note: [...new Set(baselined.map((entry) => `${entry.check}: ${entry.reason}`))].join('; ') };
    return { scenario, status: 'pass', note: '' };
  });
}

function report(run, verdicts) {
  console.log(`== ${run.title}: ${verdicts.length} scenarios`);
  for (const { scenario, status, note } of verdicts) {
    console.log(`  ${status.padEnd(9)} ${scenario}${note ? `  (${note})` : ''}`);
  }
  const count = (status) => verdicts.filter((verdict) => verdict.status === status).length;
  console.log(`   ${count('pass')} passed, ${count('FAIL')} failed, ${count('baselined')} baselined, ${count('stale')} stale\n`);
  return count('FAIL') + count('stale');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
