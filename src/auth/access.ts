import type { ModuleRef } from '../config/module-ref.js';
import { GraphMcpError } from '../errors.js';
import { importExport } from '../graphs/load-module.js';
import type { Principal } from './principal.js';

/**
 * A project's own access rule for one graph (`access.path`): may this
 * caller see and call this tool? Called on every tools/list and tools/call,
 * so it must be synchronous and cheap; a rule that throws denies.
 */
export type AccessRule = (principal: Principal | undefined, tool: { name: string }) => boolean;

export async function loadAccessRule(ref: ModuleRef, what: string): Promise<AccessRule> {
  const rule = await importExport(ref, what);
  if (typeof rule !== 'function') {
    throw new GraphMcpError('CONFIG_INVALID', `${what}: ${ref.spec} is not a function (principal, tool) => boolean`);
  }
  // A promise is never `true`: an async rule would deny everyone, silently.
  if (rule.constructor.name === 'AsyncFunction') {
    throw new GraphMcpError('CONFIG_INVALID', `${what}: ${ref.spec} is an async function; an access rule must answer at once: (principal, tool) => boolean`);
  }
  return (principal, tool) => {
    const allowed: unknown = (rule as (...args: unknown[]) => unknown)(principal, tool);
    // One that returns a promise all the same denies; its rejection is not left unhandled.
    if (allowed instanceof Promise) allowed.catch(() => undefined);
    return allowed === true;
  };
}

/** Scopes first (all required), then the project's rule. */
export function canCall(principal: Principal | undefined, tool: { name: string; requiredScopes: readonly string[]; accessRule: AccessRule | undefined }): boolean {
  if (tool.requiredScopes.length > 0) {
    if (principal === undefined) return false;
    for (const scope of tool.requiredScopes) if (!principal.scopes.includes(scope)) return false;
  }
  if (tool.accessRule === undefined) return true;
  try {
    return tool.accessRule(principal, tool) === true;
  } catch {
    return false;
  }
}
