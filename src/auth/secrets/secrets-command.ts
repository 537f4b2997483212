import { loadConfigFile } from '../../config/load.js';
import { GraphMcpError } from '../../errors.js';
import { headersSchema } from './headers-json.js';
import { openSecretStore } from './open-store.js';

export interface SecretsCommandIO {
  stdin: () => Promise<string>;
  out: (line: string) => void;
}

/**
 * `graph-mcp secrets set|list|delete`. Values are read from standard input,
 * never from the command line, which shell history and `ps` would keep.
 */
export async function secretsCommand(
  args: string[],
  options: { config: string; header?: string | undefined; json?: boolean | undefined },
  io: SecretsCommandIO,
): Promise<number> {
  const [action, principalId, server] = args;
  const usage = 'usage: graph-mcp secrets set <user> <server> [--header NAME | --json] < value\n       graph-mcp secrets list [user]\n       graph-mcp secrets delete <user> <server>';
  if (action === undefined) throw new GraphMcpError('OPTIONS_INVALID', usage);

  const config = await loadConfigFile(options.config);
  const store = await openSecretStore(config);
  if (store === undefined) {
    throw new GraphMcpError('SECRET_STORE', `${options.config}: no secret store configured (set "secrets.sqlite" or "secrets.file")`);
  }
  try {
    switch (action) {
      case 'set': {
        if (!principalId || !server) throw new GraphMcpError('OPTIONS_INVALID', usage);
        if (!store.set) throw new GraphMcpError('SECRET_STORE', 'this secret store is read-only');
        if (config.secrets?.servers && !(server in config.secrets.servers)) {
          throw new GraphMcpError('OPTIONS_INVALID', `unknown server "${server}": declare it under secrets.servers (known: ${Object.keys(config.secrets.servers).join(', ')})`);
        }
        const input = (await io.stdin()).replace(/\r?\n$/, '');
        if (input === '') throw new GraphMcpError('OPTIONS_INVALID', 'no value on standard input');
        let headers: Record<string, string>;
        if (options.json) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(input);
          } catch {
            throw new GraphMcpError('OPTIONS_INVALID', '--json: standard input is not valid JSON');
          }
          const checked = headersSchema.safeParse(parsed);
          if (!checked.success) throw new GraphMcpError('OPTIONS_INVALID', '--json: expected an object of header names to string values');
          headers = checked.data;
        } else {
          headers = { [options.header ?? 'Authorization']: input };
        }
        await store.set(principalId, server, headers);
        io.out(`stored ${Object.keys(headers).join(', ')} for user "${principalId}" and server "${server}"`);
        return 0;
      }
      case 'list': {
        if (!store.list) throw new GraphMcpError('SECRET_STORE', 'this secret store cannot list its entries');
        const entries = await store.list(principalId);
        if (entries.length === 0) io.out('(none)');
        for (const entry of entries) io.out(`${entry.principalId}\t${entry.server}\t${entry.headers.join(', ')}${entry.updatedAt ? `\t${entry.updatedAt}` : ''}`);
        return 0;
      }
      case 'delete': {
        if (!principalId || !server) throw new GraphMcpError('OPTIONS_INVALID', usage);
        if (!store.delete) throw new GraphMcpError('SECRET_STORE', 'this secret store is read-only');
        const deleted = await store.delete(principalId, server);
        io.out(deleted ? `deleted credentials of user "${principalId}" for server "${server}"` : 'nothing stored for that user and server');
        return deleted ? 0 : 1;
      }
      default:
        throw new GraphMcpError('OPTIONS_INVALID', usage);
    }
  } finally {
    await store.close?.();
  }
}
