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
 * `sent` of `argumentsDigests`, when it must be taken before a run is given
 * the arguments, which fills its defaults into them: `undefined` when the
 * tool's input schema has no default to fill (the arguments stay as sent,
 * and `filledDigest` is their digest, taken when needed), and for
 * arguments nested too deep to digest, which the run refuses unchecked
 * (INVALID_ARGUMENTS).
 */
export function sentDigest(tool: GraphTool, args: unknown): string | undefined {
  if (!mayFillDefaults(tool) || nestsDeeperThan(args, MAX_VALUE_DEPTH)) return undefined;
  return digest(args ?? {});
}

const fillsDefaults = new WeakMap<GraphTool, boolean>();

/** Whether the tool's input schema names a default anywhere (or a property named "default": taken as one too). */
function mayFillDefaults(tool: GraphTool): boolean {
  let known = fillsDefaults.get(tool);
  if (known === undefined) {
    known = namesDefault(tool.definition.inputSchema);
    fillsDefaults.set(tool, known);
  }
  return known;
}

function namesDefault(schema: unknown): boolean {
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node) && Object.hasOwn(node, 'default')) return true;
    pending.push(...Object.values(node));
  }
  return false;
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
