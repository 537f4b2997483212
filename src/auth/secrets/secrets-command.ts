import { existsSync } from 'node:fs';
import path from 'node:path';
import { applyConfigEnv } from '../../config/env.js';
import { loadConfigFile } from '../../config/load.js';
import { GraphMcpError } from '../../errors.js';
import { checkHeaders, checkIds } from './headers-json.js';
import { DEFAULT_SECRETS_ENV, EnvSecretStore } from './env-store.js';
import { openSecretStore } from './open-store.js';

export interface SecretsCommandIO {
  stdin: () => Promise<string>;
  out: (line: string) => void;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export const SECRETS_USAGE = `usage: graph-mcp secrets set <user> <server> [--header NAME | --json] [--config FILE] < value
       graph-mcp secrets list [user] [--config FILE]
       graph-mcp secrets delete <user> <server> [--config FILE]`;

/**
 * `graph-mcp secrets set|list|delete`. Values are read from standard input,
 * never from the command line, which shell history and `ps` would keep.
 * Output names users, servers and header names, never a value. Throws a
 * `GraphMcpError` for anything that went wrong (the CLI prints it, exit 1).
 */
export async function secretsCommand(
  args: string[],
  options: { config: string; header?: string | undefined; json?: boolean | undefined },
  io: SecretsCommandIO,
): Promise<number> {
  const [action, principalId, server] = args;
  const arity = { set: 3, list: 2, delete: 3 }[action as 'set' | 'list' | 'delete'] as number | undefined;
  if (arity === undefined) throw new GraphMcpError('OPTIONS_INVALID', SECRETS_USAGE);
  if (args.length > arity) {
    // Never echo the extra words: they may be a value typed on the command line.
    throw new GraphMcpError(
      'OPTIONS_INVALID',
      `secrets ${action}: too many arguments${action === 'set' ? ' (the value is read from standard input, never from the command line)' : ''}\n${SECRETS_USAGE}`,
    );
  }
  if (action !== 'list' && (!principalId || !server)) throw new GraphMcpError('OPTIONS_INVALID', SECRETS_USAGE);
  if (action !== 'set' && (options.header !== undefined || options.json)) {
    throw new GraphMcpError('OPTIONS_INVALID', `secrets ${action}: --header and --json only apply to "secrets set"`);
  }
  if (options.header !== undefined && options.json) {
    throw new GraphMcpError('OPTIONS_INVALID', 'secrets set: use --header NAME or --json, not both');
  }
  if (options.header !== undefined && !HEADER_NAME.test(options.header)) {
    throw new GraphMcpError('OPTIONS_INVALID', `secrets set: --header ${JSON.stringify(options.header)} is not an HTTP header name`);
  }

  const config = await loadConfigFile(options.config);
  // The key (or GRAPH_MCP_SECRETS) may come from the config's env, as it does for `serve`.
  applyConfigEnv(config, (message) => process.stderr.write(`warning: ${message}\n`));
  if (action === 'set') {
    const servers = config.secrets?.servers;
    if (servers !== undefined && !Object.hasOwn(servers, server!)) {
      const known = Object.keys(servers);
      throw new GraphMcpError(
        'OPTIONS_INVALID',
        `unknown server "${server}": declare it under secrets.servers${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`,
      );
    }
  }
  // Listing or deleting in a store that does not exist yet would create it, empty (SQLite creates its file
  // as it opens), and say "(none)": at a mistyped path, most likely. Only `set` makes a store.
  const sqlitePath = config.secrets?.sqlite?.path;
  if (action !== 'set' && sqlitePath !== undefined && !existsSync(path.resolve(config.baseDir, sqlitePath))) {
    throw new GraphMcpError('SECRET_STORE', `secrets.sqlite.path ${path.resolve(config.baseDir, sqlitePath)} does not exist: nothing is stored yet (\`graph-mcp secrets set\` creates it)`);
  }
  const store = await openSecretStore(config);
  if (store === undefined) {
    throw new GraphMcpError(
      'SECRET_STORE',
      `${config.configPath ?? options.config}: no secret store configured (set "secrets.sqlite" or "secrets.file"; the GRAPH_MCP_SECRETS variable, when set, is one that can only be read)`,
    );
  }
  try {
    switch (action) {
      case 'set': {
        if (!store.set) {
          throw new GraphMcpError(
            'SECRET_STORE',
            store instanceof EnvSecretStore
              ? `the secret store here is the ${DEFAULT_SECRETS_ENV} variable, which can only be read: configure "secrets.sqlite" or "secrets.file" to set credentials`
              : 'this secret store is read-only: it cannot set',
          );
        }
        checkIds(principalId!, server!);
        // One trailing newline (from echo or a here-string) is not part of the value.
        const input = (await io.stdin()).replace(/\r?\n$/, '');
        if (input === '') throw new GraphMcpError('OPTIONS_INVALID', 'no value on standard input');
        let headers: Record<string, string>;
        if (options.json) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(input);
          } catch {
            // JSON.parse's message quotes the input: never show it.
            throw new GraphMcpError('OPTIONS_INVALID', '--json: standard input is not valid JSON (expected {"<Header>": "<value>"})');
          }
          headers = checkHeaders(parsed, '--json');
        } else {
          // Stored as given: no "Bearer " is added to a value without a scheme.
          headers = checkHeaders({ [options.header ?? 'Authorization']: input }, 'standard input');
        }
        // Stored as HTTP sends it: whitespace around a value (a Windows `echo value |`) is no part of it.
        headers = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.trim()]));
        if (Object.values(headers).some((value) => value === '')) throw new GraphMcpError('OPTIONS_INVALID', 'a header value is only whitespace');
        await store.set(principalId!, server!, headers);
        io.out(`stored ${Object.keys(headers).join(', ')} for user ${JSON.stringify(principalId)} and server ${JSON.stringify(server)}`);
        return 0;
      }
      case 'list': {
        if (!store.list) throw new GraphMcpError('SECRET_STORE', 'this secret store cannot list its entries');
        const entries = await store.list(principalId);
        if (entries.length === 0) io.out('(none)');
        for (const entry of entries) {
          io.out([entry.principalId, entry.server, entry.headers.join(', '), ...(entry.updatedAt ? [entry.updatedAt] : [])].map(listField).join('\t'));
        }
        return 0;
      }
      default: {
        if (!store.delete) throw new GraphMcpError('SECRET_STORE', 'this secret store is read-only: it cannot delete');
        if (!(await store.delete(principalId!, server!))) {
          throw new GraphMcpError('SECRET_STORE', `nothing stored for user ${JSON.stringify(principalId)} and server ${JSON.stringify(server)}`);
        }
        io.out(`deleted credentials of user ${JSON.stringify(principalId)} for server ${JSON.stringify(server)}`);
        return 0;
      }
    }
  } finally {
    await store.close?.();
  }
}

/**
 * One field of a `secrets list` line, as it is; quoted as a JSON string
 * when it holds what would break the line into others (a tab, a line
 * break or another control character), is empty, or starts with a quote.
 */
function listField(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text === '' || /[\u0000-\u001f\u007f]|^"/.test(text) ? JSON.stringify(text) : text;
}
