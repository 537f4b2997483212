import { existsSync } from 'node:fs';
import { GraphMcpError } from '../errors.js';
import type { ResolvedConfig } from './load.js';

/**
 * Loads the config's `env` into `process.env` before any graph module is
 * imported (modules often read the environment at import time). Variables
 * already set in the environment win, as with LangGraph's own server.
 */
export function applyConfigEnv(config: Pick<ResolvedConfig, 'env'>): void {
  const env = config.env;
  if (env === undefined) return;
  if ('file' in env) {
    if (!existsSync(env.file)) {
      throw new GraphMcpError('CONFIG_INVALID', `env: file ${env.file} not found`);
    }
    process.loadEnvFile(env.file);
    return;
  }
  for (const [key, value] of Object.entries(env.values)) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}
