import path from 'node:path';
import type { ResolvedConfig } from '../../config/load.js';
import { parseModuleRef } from '../../config/module-ref.js';
import { GraphMcpError } from '../../errors.js';
import { importExport } from '../../graphs/load-module.js';
import { DEFAULT_SECRETS_ENV, EnvSecretStore } from './env-store.js';
import { FileSecretStore } from './file-store.js';
import type { SecretStore } from './secret-store.js';
import { SqliteSecretStore } from './sqlite-store.js';

/**
 * The secret store the config names: `sqlite`, `file` or a module `path`
 * (at most one), else the `GRAPH_MCP_SECRETS` environment variable when set,
 * else none.
 */
export async function openSecretStore(config: Pick<ResolvedConfig, 'secrets' | 'baseDir'>): Promise<SecretStore | undefined> {
  const secrets = config.secrets;
  const chosen = (['sqlite', 'file', 'path'] as const).filter((kind) => secrets?.[kind] !== undefined);
  if (chosen.length > 1) {
    throw new GraphMcpError('CONFIG_INVALID', `secrets: choose one store, not ${chosen.join(' and ')}`);
  }
  if (secrets?.sqlite) {
    return SqliteSecretStore.open({ path: path.resolve(config.baseDir, secrets.sqlite.path), keyEnv: secrets.sqlite.key_env });
  }
  if (secrets?.file) return FileSecretStore.open(path.resolve(config.baseDir, secrets.file));
  if (secrets?.path) {
    const ref = parseModuleRef(secrets.path, config.baseDir, 'secrets.path');
    const store = await importExport(ref, 'secrets.path');
    if (store === null || typeof store !== 'object' || typeof (store as SecretStore).get !== 'function') {
      throw new GraphMcpError('CONFIG_INVALID', `secrets.path: ${ref.spec} is not a SecretStore (an object with get(principalId, server))`);
    }
    return store as SecretStore;
  }
  if (process.env[DEFAULT_SECRETS_ENV]) return new EnvSecretStore(DEFAULT_SECRETS_ENV);
  return undefined;
}
