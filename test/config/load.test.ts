import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isGraphMcpError, loadConfigFile, resolveConfig } from '../../src/index.js';
import { FIXTURES } from '../helpers/server.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function writeConfig(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

function rejectsWith(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isGraphMcpError(error), `expected a GraphMcpError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('resolveConfig', () => {
  test('fills defaults and resolves module paths against the base directory', () => {
    const config = resolveConfig({ graphs: { triage: './graphs/triage.ts:graph' } }, { baseDir: '/srv/app' });
    assert.equal(config.name, 'graph-mcp');
    assert.equal(config.http.mcp_path, '/mcp');
    assert.equal(config.http.disable_mcp, false);
    assert.equal(config.http.max_body_bytes, 4 * 1024 * 1024);
    const [entry] = config.graphs;
    assert.equal(entry?.name, 'triage');
    assert.equal(entry?.module.file, path.resolve('/srv/app/graphs/triage.ts'));
    assert.equal(entry?.module.exportName, 'graph');
    assert.equal(entry?.timeoutMs, config.defaults.timeout_ms);
    assert.equal(entry?.recursionLimit, 25);
  });

  test('the object form carries description, schemas, annotations, limits and access', () => {
    const config = resolveConfig(
      {
        defaults: { timeout_ms: 1000 },
        graphs: {
          a: {
            path: './a.ts:graph',
            title: 'A',
            description: 'does a',
            input_schema: { type: 'object', properties: { q: { type: 'string' } } },
            output_schema: './schemas.ts:Output',
            annotations: { readOnlyHint: true },
            timeout_ms: 50,
            recursion_limit: 7,
            access: { scopes: ['a:run'] },
          },
          b: './b.js:graph',
        },
      },
      { baseDir: '/x' },
    );
    const [a, b] = config.graphs;
    assert.equal(a?.description, 'does a');
    assert.deepEqual(a?.inputSchema, { kind: 'inline', schema: { type: 'object', properties: { q: { type: 'string' } } } });
    assert.equal(a?.outputSchema?.kind, 'module');
    assert.equal(a?.timeoutMs, 50);
    assert.equal(a?.recursionLimit, 7);
    assert.deepEqual(a?.access.scopes, ['a:run']);
    assert.equal(b?.timeoutMs, 1000, 'the server-wide default applies');
  });

  test('an unchanged langgraph.json is accepted: keys we do not use are ignored', () => {
    const config = resolveConfig(
      {
        node_version: '20',
        dependencies: ['.'],
        dockerfile_lines: [],
        graphs: { agent: './src/agent.ts:graph' },
        env: { OPENAI_API_KEY: 'unused' },
      },
      { baseDir: '/x' },
    );
    assert.deepEqual(config.graphs.map((g) => g.name), ['agent']);
    assert.deepEqual(config.env, { values: { OPENAI_API_KEY: 'unused' } });
  });

  test("langgraph.json's own http, store and auth keys are set aside and named; its MCP path under mount_prefix is kept; typos in graph-mcp's keys still fail", () => {
    const langgraph = {
      graphs: { agent: './src/agent.ts:graph' },
      http: {
        app: './src/app.ts:app',
        cors: { allow_origins: ['https://example.test'], allow_credentials: true },
        configurable_headers: { include: ['x-user-id'] },
        disable_assistants: true,
        disable_mcp: false,
        mount_prefix: '/my-deployment/api',
      },
      store: { index: { dims: 1536, embed: 'openai:text-embedding-3-small' }, ttl: { default_ttl: 60 } },
      checkpointer: { ttl: { strategy: 'delete', default_ttl: 43200 } },
      auth: { disable_studio_auth: true },
    };
    const config = resolveConfig(langgraph, { baseDir: '/x' });
    assert.equal(config.http.mcp_path, '/my-deployment/api/mcp', "where LangGraph serves its MCP endpoint");
    assert.equal(config.http.cors, false);
    assert.equal(config.http.disable_mcp, false);
    assert.equal(config.store.type, 'sqlite', "LangGraph's memory store is not the run store: the default stays");
    assert.equal(config.auth, undefined);
    assert.deepEqual(config.ignoredKeys, [
      'checkpointer',
      'http.app',
      'http.cors',
      'http.configurable_headers',
      'http.disable_assistants',
      'store.index',
      'store.ttl',
      'auth.disable_studio_auth',
    ]);
    // graph-mcp's own spelling wins over the prefix, and its own keys stay strict.
    assert.equal(resolveConfig({ ...langgraph, http: { ...langgraph.http, mcp_path: '/mcp' } }, { baseDir: '/x' }).http.mcp_path, '/mcp');
    assert.throws(() => resolveConfig({ graphs: { a: './a.ts:g' }, http: { mcp_pth: '/x' } }, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /http: .*mcp_pth/s));
    assert.throws(() => resolveConfig({ graphs: { a: './a.ts:g' }, store: { path: 'x.sqlite' } }, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /store/));
    assert.deepEqual(resolveConfig({ graphs: { a: './a.ts:g' } }, { baseDir: '/x' }).ignoredKeys, []);
    // An empty auth section (an unchanged langgraph.json may have one) loads, and the warning says it authenticates no one.
    const emptyAuth = resolveConfig({ graphs: { a: './a.ts:g' }, auth: {} }, { baseDir: '/x' });
    assert.equal(emptyAuth.auth, undefined);
    assert.deepEqual(emptyAuth.ignoredKeys, ['auth (empty: no authentication)']);
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, env: ['x'] }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /env: expected a dotenv file path or an object of variable names to string values/),
    );
    // Allow-list entries that could never match: a full origin, a port.
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { allowed_origins: ['app.example.com', 'https://app.example.com'] } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /http\.allowed_origins\.1: "https:\/\/app\.example\.com" is not a hostname/),
    );
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { allowed_hosts: ['127.0.0.1:8515'] } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /http\.allowed_hosts\.0: "127\.0\.0\.1:8515" is not a hostname/),
    );
    // A wildcard would start, and then match nothing but itself.
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { allowed_hosts: ['*.example.com'] } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /http\.allowed_hosts\.0: "\*\.example\.com": wildcards are not matched, only whole names/),
    );
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { allowed_origins: ['https://*.example.com'] } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /http\.allowed_origins\.0: .*wildcards are not matched/),
    );
    const allowed = resolveConfig({ graphs: { a: './a.ts:g' }, http: { allowed_hosts: ['[::1]', 'api.example.com'], allowed_origins: ['vscode-webview://*'] } }, { baseDir: '/x' });
    assert.deepEqual(allowed.http.allowed_origins, ['vscode-webview://*']);
    // A misspelt key of a graph, whose meaning would be lost (an open tool meant to be guarded).
    assert.throws(
      () => resolveConfig({ graphs: { a: { path: './a.ts:g', acess: { scopes: ['admin'] } } } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /graphs\.a.*acess/s),
    );
    // The prefix alone, with nothing to set aside, is honoured too.
    const prefixed = resolveConfig({ graphs: { a: './a.ts:g' }, http: { mount_prefix: '/api/' } }, { baseDir: '/x' });
    assert.equal(prefixed.http.mcp_path, '/api/mcp');
    assert.deepEqual(prefixed.ignoredKeys, []);
  });

  test("more of langgraph.json: null sections, disable_a2a, a custom store, a bad mount_prefix, and top-level keys nobody knows", () => {
    // LangGraph's schema allows null for these: as if absent.
    const nulls = resolveConfig({ graphs: { a: './a.ts:g' }, http: null, auth: null, store: null, checkpointer: null }, { baseDir: '/x' });
    assert.equal(nulls.store.type, 'sqlite');
    assert.equal(nulls.auth, undefined);
    assert.equal(nulls.http.cors, false);
    const nullCors = resolveConfig({ graphs: { a: './a.ts:g' }, http: { cors: null, app: null, disable_a2a: true } }, { baseDir: '/x' });
    assert.equal(nullCors.http.cors, false);
    assert.deepEqual(nullCors.ignoredKeys, ['http.disable_a2a']);
    // LangGraph's custom long-term store names a module's export; a file path stays graph-mcp's (and needs its type).
    const custom = resolveConfig({ graphs: { a: './a.ts:g' }, store: { path: './src/store.ts:store' } }, { baseDir: '/x' });
    assert.equal(custom.store.type, 'sqlite');
    assert.deepEqual(custom.ignoredKeys, ['store.path']);
    assert.throws(() => resolveConfig({ graphs: { a: './a.ts:g' }, store: { path: './state.sqlite' } }, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /store/));
    // A prefix that is no path is an error, not a key silently set aside.
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { mount_prefix: 'api' } }, { baseDir: '/x', source: 'langgraph.json' }),
      rejectsWith('CONFIG_INVALID', /langgraph\.json: invalid config\n  http\.mount_prefix: expected a path that starts with "\/".*got "api"/s),
    );
    // Top-level keys: LangGraph's image keys pass without a word; anything else is reported.
    const keys = resolveConfig(
      { graphs: { a: './a.ts:g' }, dependencies: ['.'], node_version: '20', dockerfile_lines: [], default: { timeout_ms: 1 }, sotre: { type: 'memory' }, log_levle: 'debug', ui: { a: './ui.tsx' } },
      { baseDir: '/x' },
    );
    assert.deepEqual(keys.unknownKeys, ['default', 'sotre', 'log_levle']);
    assert.deepEqual(keys.ignoredKeys, ['ui']);
    assert.equal(keys.store.type, 'sqlite');
    assert.deepEqual(resolveConfig({ $schema: './s.json', name: 'n', graphs: { a: './a.ts:g' }, log_level: 'warn' }, { baseDir: '/x' }).unknownKeys, []);
  });

  test("a graph's module without an export names its default export, as langgraph.json reads one; a colon in a directory is no export", () => {
    const graphs = resolveConfig({ graphs: { a: './a.ts', b: { path: 'graphs/b.mjs' }, c: './my:dir/c.ts', d: './my:dir/d.ts:graph' } }, { baseDir: '/x' }).graphs;
    assert.deepEqual(
      graphs.map((entry) => [entry.name, entry.module.file, entry.module.exportName]),
      [['a', '/x/a.ts', 'default'], ['b', '/x/graphs/b.mjs', 'default'], ['c', '/x/my:dir/c.ts', 'default'], ['d', '/x/my:dir/d.ts', 'graph']],
    );
    // Other module references still name their export.
    assert.throws(
      () => resolveConfig({ graphs: { a: { path: './a.ts:g', input_schema: './schemas.ts' } } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /graphs\.a\.input_schema/),
    );
  });

  test('an export name that cannot be one (a dash, a trailing space) after a module that exists is refused naming it, not read as a file called "g.ts:my-graph"', () => {
    for (const [spec, shown] of [['./graphs/basic.ts:my-graph', '"my-graph"'], ['./graphs/basic.ts:echo ', '"echo "']] as const) {
      assert.throws(
        () => resolveConfig({ graphs: { a: spec } }, { baseDir: FIXTURES }),
        rejectsWith('CONFIG_INVALID', new RegExp(`graphs\\.a\\.path: ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} after the colon in .* is no export name`)),
      );
    }
    assert.equal(resolveConfig({ graphs: { a: './graphs/basic.ts:echo' } }, { baseDir: FIXTURES }).graphs[0]!.module.exportName, 'echo');
  });

  test("every graph name that is no MCP tool name, or one of graph-mcp's own, is refused with the config's problems, before any module is imported", () => {
    const graphs = { 'my tool': './missing.ts:g', resume_run: './missing.ts:g', ['x'.repeat(129)]: './missing.ts:g', fine: './missing.ts:g' };
    assert.throws(() => resolveConfig({ graphs }, { baseDir: '/x' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /graphs\.my tool: not a valid MCP tool name \(1 to 128 of A-Z a-z 0-9 _ \. -\): rename the graph/);
      assert.match(error.message, /graphs\.resume_run: the name of one of graph-mcp's own tools: rename the graph/);
      assert.match(error.message, /graphs\.x{129}: not a valid MCP tool name/);
      assert.doesNotMatch(error.message, /graphs\.fine/);
      return true;
    });
  });

  test('a graph named __proto__ is refused by name (it vanished: JSON makes it an own key, a copy made it the prototype)', () => {
    for (const text of ['{"graphs":{"__proto__":"./a.ts:g","b":"./b.ts:g"}}', '{"graphs":{"__proto__":"./a.ts:g"}}']) {
      assert.throws(() => resolveConfig(JSON.parse(text), { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /graphs\.__proto__: not a name a graph may have; rename it/));
    }
  });

  test('a bad field names the JSON path and what was expected', () => {
    assert.throws(
      () => resolveConfig({ graphs: { a: { path: './a.ts:graph', timeout_ms: 'soon' } } }, { baseDir: '/x', source: 'agent.config.json' }),
      rejectsWith('CONFIG_INVALID', /agent\.config\.json: invalid config\n.*graphs\.a/s),
    );
    assert.throws(() => resolveConfig({ graphs: { a: './a.ts:' } }, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /graphs\.a.*a module path, and an export after a colon/s));
    assert.throws(() => resolveConfig({ graphs: { a: ':graph' } }, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /graphs\.a.*a module path/s));
    assert.throws(() => resolveConfig({ graphs: {} }, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /graphs: list at least one graph/));
    assert.throws(() => resolveConfig({}, { baseDir: '/x' }), rejectsWith('CONFIG_INVALID', /graphs: required \(record\)/));
    // A misspelt "graphs": the unknown key is named beside the error, as the likely cause.
    assert.throws(
      () => resolveConfig({ graph: { a: './a.ts:g' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /graphs: required \(record\)\n\s+\(unknown top-level keys, ignored: graph; misspelt\?\)/),
    );
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { mcp_path: 'mcp' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /http\.mcp_path: .*starting with "\/"/),
    );
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, http: { disable_mpc: true } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /http.*disable_mpc/s),
      'a typo in our own sections is an error',
    );
  });

  test('a time longer than a timer can wait is refused, naming the field: Node would fire it at once', () => {
    const big = 3_000_000_000;
    for (const [config, field] of [
      [{ defaults: { poll_interval_ms: big } }, 'defaults.poll_interval_ms'],
      [{ defaults: { question_timeout_ms: big } }, 'defaults.question_timeout_ms'],
      [{ defaults: { timeout_ms: big } }, 'defaults.timeout_ms'],
      [{ defaults: { task_lease_ms: big } }, 'defaults.task_lease_ms'],
      [{ defaults: { max_wait_ms: big } }, 'defaults.max_wait_ms'],
      [{ defaults: { shutdown_grace_ms: big } }, 'defaults.shutdown_grace_ms'],
      [{ http: { stream_keep_alive_ms: big } }, 'http.stream_keep_alive_ms'],
      [{ http: { keep_alive_timeout_ms: big } }, 'http.keep_alive_timeout_ms'],
      [{ graphs: { a: { path: './a.ts:g', timeout_ms: big } } }, 'graphs.a.timeout_ms'],
    ] as const) {
      assert.throws(
        () => resolveConfig({ graphs: { a: './a.ts:g' }, ...config }, { baseDir: '/x' }),
        rejectsWith('CONFIG_INVALID', new RegExp(`${field.replace(/\./g, '\\.')}: at most 2147483647 ms`)),
        field,
      );
    }
    // A ttl may be longer: it is not one timer.
    assert.equal(resolveConfig({ graphs: { a: './a.ts:g' }, defaults: { task_ttl_ms: big } }, { baseDir: '/x' }).defaults.task_ttl_ms, big);
  });

  test('a task lease shorter than 300 ms is refused, naming the key; 300 is taken', () => {
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, defaults: { task_lease_ms: 299 } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /defaults\.task_lease_ms: .*>=300/),
    );
    assert.equal(resolveConfig({ graphs: { a: './a.ts:g' }, defaults: { task_lease_ms: 300 } }, { baseDir: '/x' }).defaults.task_lease_ms, 300);
  });

  test('a ttl longer than a hundred years is refused: its expiry would be past the last date there is', () => {
    // Number.MAX_SAFE_INTEGER passed the check, and every paused-run result and run handle
    // then failed (-32603: new Date(expiresAt).toISOString() threw an Invalid time value).
    for (const field of ['task_ttl_ms', 'paused_run_ttl_ms'] as const) {
      assert.throws(
        () => resolveConfig({ graphs: { a: './a.ts:g' }, defaults: { [field]: Number.MAX_SAFE_INTEGER } }, { baseDir: '/x' }),
        rejectsWith('CONFIG_INVALID', new RegExp(`defaults\\.${field}: at most 3153600000000 ms \\(100 years\\)`)),
      );
      const hundredYears = 100 * 365 * 86_400_000;
      assert.equal(resolveConfig({ graphs: { a: './a.ts:g' }, defaults: { [field]: hundredYears } }, { baseDir: '/x' }).defaults[field], hundredYears);
      assert.ok(Number.isFinite(new Date(Date.now() + hundredYears).getTime()));
    }
  });

  test('a bad field inside a graph entry (a string-or-object choice) is named by its full path', () => {
    const source = { baseDir: '/x', source: 'agent.config.json' };
    assert.throws(
      () => resolveConfig({ graphs: { t: { path: './a.ts:g', timeout_ms: 'soon' } } }, source),
      rejectsWith('CONFIG_INVALID', /\n  graphs\.t\.timeout_ms: Invalid input: expected number, received string$/),
    );
    assert.throws(() => resolveConfig({ graphs: { t: 5 } }, source), rejectsWith('CONFIG_INVALID', /graphs\.t: expected "\.\/module\.ts:export" or an object with a "path"/));
    assert.throws(
      () => resolveConfig({ graphs: { t: { path: './a.ts:g', input_schema: 7 } } }, source),
      rejectsWith('CONFIG_INVALID', /graphs\.t\.input_schema: expected an inline JSON Schema object/),
    );
  });

  test('a postgres store gets its defaults; a connection string or a bad schema name in the config is refused', () => {
    const config = resolveConfig({ graphs: { a: './a.ts:g' }, store: { type: 'postgres' } }, { baseDir: '/x' });
    assert.deepEqual(config.store, { type: 'postgres', url_env: 'DATABASE_URL', schema: 'graph_mcp', pool_size: 10, statement_timeout_ms: 30_000 });
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, store: { type: 'postgres', url: 'postgres://u:p@db/app' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /store: Unrecognized key: "url" \(the connection string stays out of the config: .*which store\.url_env names/),
    );
    // A store without its type is told the types there are.
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, store: { path: './x.sqlite' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /store\.type: required: one of "sqlite", "postgres", "memory", "none"/),
    );
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, store: { type: 'mysql' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /store\.type: must be one of "sqlite", "postgres", "memory", "none", got "mysql"/),
    );
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, store: { type: 'postgres', schema: 'Graph-MCP' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /store\.schema: a lower-case identifier/),
    );
    // PostgreSQL's own prefix: refused here, not by the database at start-up.
    assert.throws(
      () => resolveConfig({ graphs: { a: './a.ts:g' }, store: { type: 'postgres', schema: 'pg_graphs' } }, { baseDir: '/x' }),
      rejectsWith('CONFIG_INVALID', /store\.schema: .*not beginning "pg_"/),
    );
  });

  test('a *_env key takes the name of a variable; a value pasted there (a secret) is refused without being repeated', () => {
    for (const [section, field] of [
      [{ store: { type: 'postgres', url_env: 'postgres://u:S3cretPW@h/db' } }, 'store.url_env'],
      [{ auth: { jwt: { secret_env: 'sup3r-s3cret-hmac-key-value', algorithms: ['HS256'] } } }, 'auth.jwt.secret_env'],
      [{ secrets: { sqlite: { path: './s.db', key_env: '0123456789abcdef0123456789abcdef' } } }, 'secrets.sqlite.key_env'],
    ] as const) {
      assert.throws(
        () => resolveConfig({ graphs: { a: './a.ts:g' }, ...section }, { baseDir: '/x' }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'CONFIG_INVALID');
          assert.match(error.message, new RegExp(`${field.replace(/\./g, '\\.')}: the name of an environment variable .*not its value`));
          assert.ok(!/S3cret|s3cret|0123456789abcdef/.test(error.message), error.message);
          return true;
        },
      );
    }
    assert.equal(resolveConfig({ graphs: { a: './a.ts:g' }, store: { type: 'postgres', url_env: 'APP_DB_URL_2' } }, { baseDir: '/x' }).store.type, 'postgres');
  });

  test('does not mutate the caller\'s config object', () => {
    const raw = { graphs: { a: { path: './a.ts:g' } } };
    const copy = structuredClone(raw);
    resolveConfig(raw, { baseDir: '/x' });
    assert.deepEqual(raw, copy);
  });
});

describe('loadConfigFile', () => {
  test('a byte-order mark before the JSON (as Windows editors write one) is no error', async () => {
    const file = await writeConfig('bom.json', '\uFEFF{ "graphs": { "a": "./g/a.ts:graph" } }');
    assert.deepEqual((await loadConfigFile(file)).graphs.map((g) => g.name), ['a']);
  });

  test('reads a file with comments and trailing commas, relative to its own directory', async () => {
    const file = await writeConfig('commented.json', '{\n  // the graphs\n  "graphs": { "a": "./g/a.ts:graph", },\n}\n');
    const config = await loadConfigFile(file);
    assert.equal(config.configPath, file);
    assert.equal(config.graphs[0]?.module.file, path.join(dir, 'g/a.ts'));
  });

  test("a SQLite store's path is relative to the config file's folder, and is .graph-mcp/state.sqlite there by default", async () => {
    const given = await loadConfigFile(await writeConfig('sqlite-path.json', '{ "graphs": { "a": "./g/a.ts:graph" }, "store": { "type": "sqlite", "path": "data/runs.sqlite" } }'));
    assert.deepEqual(given.store, { type: 'sqlite', path: path.join(dir, 'data/runs.sqlite') });
    const unset = await loadConfigFile(await writeConfig('sqlite-default.json', '{ "graphs": { "a": "./g/a.ts:graph" } }'));
    assert.deepEqual(unset.store, { type: 'sqlite', path: path.join(dir, '.graph-mcp/state.sqlite') });
  });

  test('a missing file is CONFIG_NOT_FOUND naming the path', async () => {
    await assert.rejects(loadConfigFile(path.join(dir, 'nope.json')), rejectsWith('CONFIG_NOT_FOUND', /nope\.json: config file not found/));
  });

  test('invalid JSON names the file, line and column', async () => {
    const file = await writeConfig('broken.json', '{\n  "graphs": {\n    "a": "./a.ts:g"\n    "b": 1\n}');
    await assert.rejects(loadConfigFile(file), rejectsWith('CONFIG_INVALID', /broken\.json: not valid JSON at line 4, column 5/));
  });

  test('a duplicate graph name is an error naming the graph', async () => {
    const file = await writeConfig('dupe.json', '{"graphs": {"triage": "./a.ts:g", "triage": "./b.ts:g"}}');
    await assert.rejects(loadConfigFile(file), rejectsWith('CONFIG_INVALID', /dupe\.json: graphs: duplicate key "triage"/));
  });
});
