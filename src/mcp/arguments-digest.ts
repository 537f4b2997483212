import { createHash } from 'node:crypto';
import type { GraphTool } from '../graphs/tool.js';
import { MAX_VALUE_DEPTH, nestsDeeperThan } from '../http/json-depth.js';

/**
 * What identifies a `tools/call`'s arguments across the retries of a run it
 * began, two ways, each SHA-256 of JSON with keys sorted:
 * - `args`: once the input schema's defaults are filled in (on a copy), so
 *   `{}` and `{"depth": "quick"}` are the same call where "quick" is the
 *   default;
 * - `sent`: as the client sent them, so a retry of the same call is still
 *   that call when the tool's defaults changed in between (a new version
 *   deployed while its user answered).
 * A retry is the same call when either matches.
 */
export interface ArgumentsDigests {
  args: string;
  sent: string;
}

export function argumentsDigests(tool: GraphTool, args: unknown): ArgumentsDigests {
  return { args: filledDigest(tool, args), sent: digest(args ?? {}) };
}

/**
 * `args` of `argumentsDigests`. The same for arguments a run has filled its
 * defaults into already (a run fills them into the arguments it is given).
 */
export function filledDigest(tool: GraphTool, args: unknown): string {
  const filled = structuredClone(args ?? {});
  tool.validateArguments(filled);
  return digest(filled);
}

/**
 * `sent` of `argumentsDigests`, taken before a run is given the arguments:
 * the run fills the schema's defaults into them, and a graph's node may
 * change its input in place. `undefined` for arguments nested too deep to
 * digest, which the run refuses unchecked (INVALID_ARGUMENTS).
 */
export function sentDigest(args: unknown): string | undefined {
  return nestsDeeperThan(args, MAX_VALUE_DEPTH) ? undefined : digest(args ?? {});
}

/** Whether a retry's arguments are those of the call `bound` was taken from (see `argumentsDigests`). */
export function sameArguments(bound: Partial<ArgumentsDigests>, now: ArgumentsDigests): boolean {
  return bound.args === now.args || (bound.sent !== undefined && bound.sent === now.sent);
}

function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/** JSON with every object's keys in order: the same value, whatever order a client sent its keys in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
