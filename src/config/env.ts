import { GraphMcpError } from '../errors.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';
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
    let bytes: Buffer;
    try {
      bytes = readFileSync(env.file);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (cause as Error).message;
      throw new GraphMcpError('CONFIG_INVALID', `env: ${env.file} cannot be read: ${why}`, { cause });
    }
    // Windows PowerShell writes UTF-16 by default: read as UTF-8, it sets nothing, and says nothing.
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.includes(0)) {
      throw new GraphMcpError('CONFIG_INVALID', `env: ${env.file} is not UTF-8 text (UTF-16, or binary): save it as UTF-8`);
    }
    // A byte-order mark (Notepad writes one) would be read into the first variable's name.
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    const values = parseEnv(text);
    for (const [key, value] of Object.entries(values)) {
      if (process.env[key] === undefined) process.env[key] = value;
    }
    if (Object.keys(values).length === 0 && text.split(/\r?\n/).some((line) => line.trim() !== '' && !line.trim().startsWith('#'))) {
      warn(`env: ${env.file} sets no variable: none of its lines reads NAME=value`);
    }
    return;
  }
  for (const [key, value] of Object.entries(env.values)) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}
