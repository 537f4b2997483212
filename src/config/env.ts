import { existsSync } from 'node:fs';
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
    process.loadEnvFile(env.file);
    return;
  }
  for (const [key, value] of Object.entries(env.values)) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}
