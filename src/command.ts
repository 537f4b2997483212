// The `graph-mcp` command: cli.ts runs it once the young generation is held.
// LangGraph, the MCP SDK and Express are imported where a command needs them,
// not here: the primary of `serve --workers N` only watches its workers.
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, loadConfigFile } from './config/load.js';
import { GraphMcpError, messageOf } from './errors.js';
import { loadingNow } from './graphs/loading-now.js';
import { integerOption } from './integer-option.js';
import { checkedLevel, createLogger } from './log.js';
import { isStopMessage, parseWorkers, runPrimary, STOP_SLACK_MS, whenStopOverdue, type WorkerReady } from './http/cluster.js';
import { applyHeapGrowth, DEFAULT_HEAP_GROWTH_PERCENT, parseHeapGrowth } from './http/heap-growth.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './http/defaults.js';
import { releaseYoungGeneration } from './http/young-generation.js';
import { VERSION } from './version.js';

const HELP = `graph-mcp ${VERSION}: serve LangGraph.js graphs as MCP tools

Usage:
  graph-mcp serve [--config FILE] [--port N] [--host ADDR] [--workers N] [--heap-growth PERCENT]
      Serve every graph in the config at http://HOST:PORT/mcp.
      Port and host also come from PORT and HOST, workers from GRAPH_MCP_WORKERS,
      heap growth from GRAPH_MCP_HEAP_GROWTH.
  graph-mcp check [--config FILE]
      Validate the config, load every graph, print the tool list and open the store.
  graph-mcp secrets set <user> <server> [--header NAME | --json] < value
  graph-mcp secrets list [user]
  graph-mcp secrets delete <user> <server>
      Manage users' downstream credentials in the configured secret store.
      Values are read from standard input, never from the command line.

Options:
  -c, --config FILE   agent.config.json or langgraph.json (default: ${DEFAULT_CONFIG_FILE})
  -p, --port N        port to listen on (default: ${DEFAULT_PORT})
      --host ADDR     address to bind (default: ${DEFAULT_HOST})
  -w, --workers N     serve: N processes on the one port, or "auto" for one per core (default: 1)
      --heap-growth P serve: how far the JavaScript heap may grow past its live size before
                      a full collection, in percent (default: ${DEFAULT_HEAP_GROWTH_PERCENT}; 0 = V8's own sizing,
                      which lets it grow up to 4x)
  -h, --help          show this help
  -v, --version       show the version
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      workers: { type: 'string', short: 'w' },
      'heap-growth': { type: 'string' },
      header: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 1 : 0;
  }
  // A flag another command takes is a mistake here (`check --port 8080` checks nothing of the port).
  const takes = COMMAND_OPTIONS[command];
  if (takes !== undefined) {
    const stray = Object.keys(values).find((name) => !takes.includes(name) && name !== 'help' && name !== 'version');
    if (stray !== undefined) {
      const owner = Object.entries(COMMAND_OPTIONS).find(([, options]) => options.includes(stray))?.[0];
      throw new GraphMcpError('OPTIONS_INVALID', `${command}: --${stray} is not an option of "${command}"${owner ? ` (it is one of "${owner}")` : ''}`);
    }
  }
  const config = values.config ?? DEFAULT_CONFIG_FILE;
  // `check my.json` would check agent.config.json and say nothing of my.json.
  if ((command === 'check' || command === 'serve') && positionals.length > 1) {
    throw new GraphMcpError('OPTIONS_INVALID', `${command}: unexpected argument ${JSON.stringify(positionals[1])}${positionals[1]!.endsWith('.json') ? ' (give the config file with --config)' : ''}`);
  }

  if (command === 'check') {
    const { loadGraphMcp } = await import('./graph-mcp.js');
    const { describeStore } = await import('./store/open-store.js');
    // Its warnings (keys set aside, an env file missing, ...) as lines a person reads, on stderr.
    const warnings = { write: (line: string) => void process.stderr.write(`warning: ${(JSON.parse(line) as { msg?: string }).msg ?? line}\n`) };
    // What serve reads from the environment before the config, and would refuse at start-up.
    serveOption(undefined, 'port', 'PORT', parsePort);
    const workers = serveOption(undefined, 'workers', 'GRAPH_MCP_WORKERS', parseWorkers);
    serveOption(undefined, 'heap-growth', 'GRAPH_MCP_HEAP_GROWTH', parseHeapGrowth);
    if (workers > 1) await refuseMemoryStoreWithWorkers(config, `GRAPH_MCP_WORKERS=${process.env.GRAPH_MCP_WORKERS ?? workers}`);
    const readAlready = SERVE_VARIABLES.map((name) => [name, process.env[name]] as const);
    // Claims no task and deletes nothing: a check on a shared store must not run what serving processes would.
    const graphMcp = await loadGraphMcp({ config, logger: createLogger({ level: 'warn', destination: warnings }), background: false });
    try {
      // Serve's logger takes LOG_LEVEL as the environment had it before the config loaded (its env
      // sets it too late, as said below), else log_level.
      checkedLevel(readAlready.find(([name]) => name === 'LOG_LEVEL')?.[1] || graphMcp.config.logLevel || 'info');
    } catch (error) {
      await graphMcp.close(0);
      throw error;
    }
    const setLate = variablesSetLate(readAlready);
    if (setLate.length > 0) process.stderr.write(`warning: ${setLateWarning(setLate)}\n`);
    // What serve says when it mounts the endpoint, which check does not.
    if (graphMcp.authenticate === undefined && !graphMcp.config.http.disable_mcp) {
      const { noAuthenticationWarning } = await import('./http/router.js');
      const scoped = graphMcp.tools.tools.filter((tool) => tool.requiredScopes.length > 0).map((tool) => tool.name);
      process.stderr.write(`warning: ${noAuthenticationWarning(graphMcp.config.http.mcp_path, scoped)}\n`);
    }
    for (const tool of graphMcp.tools.tools) {
      const props = Object.keys((tool.definition.inputSchema.properties as Record<string, unknown> | undefined) ?? {});
      process.stdout.write(`${tool.name}(${props.join(', ')})  ${tool.definition.description ?? ''}\n`);
    }
    try {
      // Reachable and migrated: a store that cannot serve fails the check.
      await graphMcp.store?.check();
      const unopened = graphMcp.config.http.disable_mcp && graphMcp.config.store.type !== 'none';
      process.stdout.write(
        `store: ${graphMcp.store ? `${describeStore(graphMcp.config.store)}, reachable and migrated` : unopened ? `${describeStore(graphMcp.config.store)}, not opened: MCP is off` : 'none (a graph that calls interrupt() fails)'}\n`,
      );
    } finally {
      await graphMcp.close(0);
    }
    // The config is valid either way; say that serve would not serve the tools listed.
    if (graphMcp.config.http.disable_mcp) process.stdout.write('mcp: off (http.disable_mcp): serve mounts no MCP endpoint\n');
    process.stdout.write(`ok: ${graphMcp.tools.tools.length} tool(s) from ${graphMcp.config.configPath ?? config}\n`);
    return 0;
  }

  if (command === 'secrets') {
    const { secretsCommand } = await import('./auth/secrets/secrets-command.js');
    return secretsCommand(positionals.slice(1), { config, header: values.header, json: values.json }, {
      stdin: readStdin,
      out: (line) => process.stdout.write(`${line}\n`),
    });
  }

  if (command === 'serve') {
    const port = serveOption(values.port, 'port', 'PORT', parsePort);
    // HOST set but empty (a compose file's HOST=${HOST}) is unset, as PORT is; Node would
    // bind an empty host on every interface. An empty --host is refused by serve().
    const host = values.host ?? (process.env.HOST || undefined) ?? DEFAULT_HOST;
    if (host.trim() === '') throw new GraphMcpError('OPTIONS_INVALID', `${values.host !== undefined ? '--host' : 'HOST'} is empty: give the address to bind (127.0.0.1, the default; 0.0.0.0 or :: for every interface)`);
    const workers = serveOption(values.workers, 'workers', 'GRAPH_MCP_WORKERS', parseWorkers);
    // Before the graphs load: each worker (the same command) sets its own.
    applyHeapGrowth(serveOption(values['heap-growth'], 'heap-growth', 'GRAPH_MCP_HEAP_GROWTH', parseHeapGrowth));
    if (workers > 1 && cluster.isPrimary) {
      await refuseMemoryStoreWithWorkers(config, values.workers !== undefined ? `--workers ${values.workers}` : `GRAPH_MCP_WORKERS=${process.env.GRAPH_MCP_WORKERS ?? workers}`);
      // A handful of lines, each of which says why the service stopped or started: written at once.
      return runPrimary(workers, createLogger({ sync: true }));
    }
    // A signal while the graphs load: Node's default would end the process at once, saying
    // nothing (exit 143). Stopped as asked, and said. (A worker is its primary's to stop.)
    const beforeServing = (signal: NodeJS.Signals) => {
      process.stderr.write(`graph-mcp: ${signal} before start-up finished: stopped\n`);
      process.exit(0);
    };
    const startUpSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    if (!cluster.isWorker) for (const signal of startUpSignals) process.on(signal, beforeServing);
    // A worker's channel to its primary would keep it alive through a start-up that can
    // never finish (a graph module awaiting what never settles): without it, the process
    // runs out of work and the beforeExit guard below reports it, as a single process does.
    if (cluster.isWorker) process.channel?.unref();
    const [{ loadGraphMcp }, { serve, servedStore }] = await Promise.all([import('./graph-mcp.js'), import('./http/serve.js')]);
    // Those a flag did not override (a flag wins over the variable anyway).
    const flagged = new Set([values.port && 'PORT', values.host && 'HOST', values.workers && 'GRAPH_MCP_WORKERS', values['heap-growth'] && 'GRAPH_MCP_HEAP_GROWTH']);
    const readAlready = SERVE_VARIABLES.filter((name) => !flagged.has(name)).map((name) => [name, process.env[name]] as const);
    const graphMcp = await loadGraphMcp({ config });
    // The config's env file is loaded with the config, after serve read these: say so, or a PORT there is silently not used.
    // Under --workers every worker loads the config; the first one says it, once.
    const setLate = variablesSetLate(readAlready);
    if (setLate.length > 0 && (cluster.worker === undefined || cluster.worker.id === 1)) graphMcp.logger.warn({ variables: setLate }, setLateWarning(setLate));
    // Before listening: a worker's listen() asks its primary for the port over that channel.
    if (cluster.isWorker) process.channel?.ref();
    const running = await serve(graphMcp, { port, host });
    releaseYoungGeneration();
    if (cluster.isWorker) {
      const ready: WorkerReady = {
        type: 'graph-mcp:ready',
        url: running.url,
        tools: graphMcp.tools.tools.map((tool) => tool.name),
        mcp: !graphMcp.config.http.disable_mcp,
        store: servedStore(graphMcp),
        level: graphMcp.logger.level,
        graceMs: graphMcp.config.defaults.shutdown_grace_ms,
      };
      process.send?.(ready);
    }
    for (const signal of startUpSignals) process.off(signal, beforeServing);
    const exitCode = await new Promise<number>((resolve) => {
      let stopping = false;
      let code = 0;
      const stop = (signal: NodeJS.Signals | 'uncaughtException') => {
        if (signal === 'uncaughtException') code = 1;
        if (stopping) {
          // Another exception while stopping (one cause often throws several, like a database
          // restart) does not cut the grace period short; a second signal from a person does.
          if (signal === 'uncaughtException') return;
          graphMcp.logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        graphMcp.logger.info({ signal, runs: graphMcp.runs.size }, 'shutting down');
        // Stopping waits on what may never answer (a database that stands still holds the
        // connections its pool would close): past the grace period and a margin, it exits anyway.
        const graceMs = graphMcp.config.defaults.shutdown_grace_ms;
        whenStopOverdue(graceMs, () => {
          graphMcp.logger.error({ graceMs }, `stopping took longer than the grace period and ${STOP_SLACK_MS / 1000} s more; exiting`);
          process.exit(code === 0 ? 1 : code);
        });
        void running.close().then(() => resolve(code));
      };
      // `on`, not `once`: a second signal must reach `stop` too, not the default handler.
      // A worker gets the signal its primary got as well when it went to every process
      // (Ctrl-C in a terminal, systemd's control group): it is stopping already, and a
      // second Ctrl-C is the primary's to act on.
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping && cluster.isWorker) return;
        stop(signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      // The terminal it ran in closed (or a process manager's reload): Node's default is to
      // exit at once, cutting every run in flight, and saying nothing.
      process.on('SIGHUP', onSignal);
      // A worker is stopped by its primary; a signal from a terminal may arrive as well.
      process.on('message', (message) => {
        if (isStopMessage(message) && !stopping) stop('SIGTERM');
      });
      // Its primary died (SIGKILL, the OOM killer): Node's cluster would end the worker at once
      // (exit 0), cutting every run in flight and saying nothing. No new connection reaches it
      // now; it stops as on SIGTERM, the runs in flight getting their grace period.
      cluster.worker?.on('disconnect', () => {
        cluster.worker!.exitedAfterDisconnect = true;
        if (stopping) return;
        graphMcp.logger.warn('the --workers primary is gone: stopping');
        stop('SIGTERM');
      });
      // Graph code that lets a promise reject unawaited (or a library it calls) must not
      // take the process down, and every run in flight on it, as Node would by default.
      process.on('unhandledRejection', (reason) => {
        graphMcp.logger.error({ err: reason }, 'a promise was rejected and nothing handled it (code a graph runs did not await it); serving goes on');
      });
      // Thrown outside any run (a timer, an event handler): Node cannot vouch for the
      // process after that, so it stops as on SIGTERM, runs in flight getting their grace
      // period, and exits 1 for the process manager (or the --workers primary) to start it again.
      process.on('uncaughtException', (error) => {
        graphMcp.logger.fatal({ err: error }, 'an exception was thrown outside any run and nothing caught it; stopping');
        stop('uncaughtException');
      });
    });
    graphMcp.logger.info('stopped');
    // Stopped: a timer or socket that graph code left behind (a node that ignored its abort
    // signal) must not keep the process alive for a process manager waiting to restart it.
    setTimeout(() => process.exit(exitCode), LINGER_AFTER_STOP_MS).unref();
    // The channel to the primary would keep a worker alive. Through cluster.worker: a bare
    // process.disconnect() makes Node exit the worker with 0, whatever its exit code.
    if (cluster.isWorker) {
      process.exitCode = exitCode;
      cluster.worker?.disconnect();
    }
    return exitCode;
  }

  process.stderr.write(`graph-mcp: unknown command "${command}"\n\n${HELP}`);
  return 1;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('value (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The options each command takes (`--help` and `--version` go with any). */
const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  serve: ['config', 'port', 'host', 'workers', 'heap-growth'],
  check: ['config'],
  secrets: ['config', 'header', 'json'],
};

/** Paused runs and tasks in one worker's memory would be invisible to the others. */
async function refuseMemoryStoreWithWorkers(config: string, given: string): Promise<void> {
  if ((await loadConfigFile(config)).store.type === 'memory') {
    throw new GraphMcpError('OPTIONS_INVALID', `${given}: the "memory" store lives in one process; use "sqlite" (the default) or "postgres" with several workers`);
  }
}

/** What `serve` reads from the environment before it loads the config (and so before the config's env file). */
const SERVE_VARIABLES = ['PORT', 'HOST', 'LOG_LEVEL', 'GRAPH_MCP_WORKERS', 'GRAPH_MCP_HEAP_GROWTH'] as const;

/** A serve option from its flag, else its environment variable; a bad value is refused naming where it came from. */
function serveOption<T>(flag: string | undefined, name: string, variable: string, parse: (value: string | undefined) => T): T {
  // An empty variable is unset; an empty flag is a mistake (`--port $PORT` with PORT unset), not the default.
  if (flag === '') throw new GraphMcpError('OPTIONS_INVALID', `--${name} is empty: give a value, or leave the flag out`);
  try {
    return parse(flag ?? process.env[variable]);
  } catch (error) {
    if (!(error instanceof GraphMcpError)) throw error;
    throw new GraphMcpError(error.code, `${flag !== undefined ? `--${name}` : variable}: ${error.message}`);
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = integerOption(value, 0, 65535);
  if (port === undefined) {
    throw new GraphMcpError('OPTIONS_INVALID', `port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/** How long a stopped process may stay alive for what graph code left running. */
const LINGER_AFTER_STOP_MS = 1_000;

let settled = false;
// Nothing left to run while the command has not finished: something it awaited (a graph
// module's top-level await, a graph factory) can never settle. Node would exit 0.
process.once('beforeExit', () => {
  if (settled) return;
  const graph = loadingNow();
  const which = graph === undefined ? 'a graph module or factory' : `graph "${graph.name}" (${graph.spec}): its module or factory`;
  process.stderr.write(`graph-mcp: start-up never finished: ${which} awaits something that can never settle\n`);
  process.exitCode = 1;
});

/**
 * Once the command is over, however it ended: what a graph module opened at
 * import and never closed (a pool, a client, a timer) must not keep the
 * process alive, a CI job running `check` or a process manager waiting to
 * restart a server that could not start.
 */
const exitSoon = () => setTimeout(() => process.exit(), LINGER_AFTER_STOP_MS).unref();

main(process.argv.slice(2)).finally(() => {
  settled = true;
}).then(
  (code) => {
    process.exitCode = code;
    exitSoon();
  },
  (error: unknown) => {
    // A worker's failure says which worker (the primary's next line names its pid).
    const who = cluster.isWorker ? `graph-mcp (worker ${cluster.worker?.id}, pid ${process.pid})` : 'graph-mcp';
    process.stderr.write(`${who}: ${messageOf(error)}\n`);
    process.exitCode = 1;
    // A worker that cannot start: its channel to the primary would keep it alive, and the
    // primary waiting for it (see main's end for why not process.disconnect()).
    if (cluster.isWorker) cluster.worker?.disconnect();
    exitSoon();
  },
);

/** The variables `serve` reads before it loads the config that a config's env (or a graph module) then set or changed. */
function variablesSetLate(readAlready: ReadonlyArray<readonly [string, string | undefined]>): string[] {
  return readAlready.filter(([name, before]) => process.env[name] !== before).map(([name]) => name);
}

function setLateWarning(names: string[]): string {
  const [verb, them] = names.length === 1 ? ['was', 'it'] : ['were', 'them'];
  return `${names.join(', ')} ${verb} set while the config loaded (by its env, or a graph module), after serve read ${them}: not used; set ${them} in the environment serve starts in`;
}
