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

/**
 * JSON with every object's keys in order: the same value, whatever order a
 * client sent its keys in. The text digested must not change from one
 * version to the next (a run paused before a deploy is retried after it).
 * JSON's own serialiser writes it, given each object with its keys in order
 * (2-3x faster than writing it here); an object with keys that look like
 * array indices, which no object keeps in the order written, is written here.
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, keysInOrder) ?? 'null';
  } catch (error) {
    if (error !== INDEX_KEYS) throw error;
    return canonicalJsonWritten(value);
  }
}

const INDEX_KEYS = new Error('an object with keys that look like array indices');

function keysInOrder(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let ordered = true;
  for (let i = 1; i < keys.length; i += 1) {
    if (keys[i - 1]! > keys[i]!) {
      ordered = false;
      break;
    }
  }
  if (ordered) return value;
  if (keys.some(isIndexLike)) throw INDEX_KEYS;
  // With no prototype: a "__proto__" key (an own key of what JSON.parse made) is a key like any other.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of keys.sort()) copy[key] = (value as Record<string, unknown>)[key];
  return copy;
}

/** A key an object lists before all others, in numeric order ("2" before "10"), whatever order it was given in. */
function isIndexLike(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

function canonicalJsonWritten(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJsonWritten).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJsonWritten(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
