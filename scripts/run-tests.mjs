// Runs every test/**/*.test.ts with node's test runner (Node 20's --test
// takes no globs). Extra arguments are passed on, e.g. a file to run alone.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'fixtures' ? [] : find(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const args = process.argv.slice(2);
const files = args.some((arg) => arg.endsWith('.ts')) ? [] : find('test').sort();
// A test that waits for ever on a regression fails after 5 minutes instead of holding the run open
// (a test's own { timeout } comes first).
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...args, ...files], {
  stdio: 'inherit',
  env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
});
process.exitCode = result.status ?? 1;
