import { GraphMcpError } from '../errors.js';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import type { ResolvedConfig } from './load.js';

/**
 * Loads the config's `env` into `process.env` before any graph module is
 * imported (modules often read the environment at import time). Variables
 * already set in the environment win, as with LangGraph's own server.
 */
export function applyConfigEnv(config: Pick<ResolvedConfig, 'env'>, warn: (message: string) => void): void {
  const env = config.env;
  if (env === undefined) return;
  if ('file' in env) {
    // LangChain's starters name ".env" and ship only ".env.example": not a reason to refuse to start.
    if (!existsSync(env.file)) {
      warn(`env: file ${env.file} not found; starting without it`);
      return;
    }
    // Node's own words name neither the key nor the problem (a directory is "should be a valid
    // string", a file it may not read "no such file").
    if (!statSync(env.file).isFile()) throw new GraphMcpError('CONFIG_INVALID', `env: ${env.file} is not a file`);
    try {
      accessSync(env.file, constants.R_OK);
      process.loadEnvFile(env.file);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (cause as Error).message;
      throw new GraphMcpError('CONFIG_INVALID', `env: ${env.file} cannot be read: ${why}`, { cause });
    }
    return;
  }
  for (const [key, value] of Object.entries(env.values)) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}
