import { createHash } from 'node:crypto';
import type { GraphTool } from '../graphs/tool.js';

/**
 * What identifies a `tools/call`'s arguments across the retries of a run it
 * began: SHA-256 of their JSON with keys sorted, once the input schema's
 * defaults are filled in (on a copy), so `{}` and `{"depth": "quick"}` are
 * the same call where "quick" is the default.
 */
export function argumentsDigest(tool: GraphTool, args: unknown): string {
  const filled = structuredClone(args ?? {});
  tool.validateArguments(filled);
  return createHash('sha256').update(canonicalJson(filled)).digest('base64url');
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
