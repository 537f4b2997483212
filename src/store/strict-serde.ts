import { JsonPlusSerializer, type SerializerProtocol } from '@langchain/langgraph-checkpoint';
import { GraphMcpError } from '../errors.js';

/**
 * What LangGraph's serializer writes, in place of the value, for a value
 * `JSON.stringify` throws on (a BigInt, a structure it cannot flatten).
 */
const PLACEHOLDER = new TextEncoder().encode(JSON.stringify('[unable to serialize, circular reference is too complex to analyze]'));

/**
 * LangGraph's checkpoint serializer, refusing what it cannot store instead
 * of storing a placeholder. LangGraph's writes the text above for a value
 * JSON cannot hold, and says nothing: a paused run whose state held a BigInt
 * was stored as that text, and every answer then started it again from the
 * beginning, to ask the same question for ever. Refused, the run ends with
 * an error that names the reason (`STATE_NOT_STORABLE`).
 */
export class StrictSerializer implements SerializerProtocol {
  constructor(private readonly inner: SerializerProtocol = new JsonPlusSerializer()) {}

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    const [type, bytes] = await this.inner.dumpsTyped(data);
    if (type === 'json' && isPlaceholder(bytes)) throw new GraphMcpError('STATE_NOT_STORABLE', `the run's state cannot be stored: ${whyNotJson(data)}`);
    return [type, bytes];
  }

  loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    return this.inner.loadsTyped(type, data);
  }
}

function isPlaceholder(bytes: Uint8Array): boolean {
  if (bytes.length !== PLACEHOLDER.length) return false;
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i] !== PLACEHOLDER[i]) return false;
  return true;
}

/**
 * Why, in words that come from no value (an error a state value's `toJSON`
 * throws could hold anything): a BigInt and where it is, found by walking
 * the data (no `toJSON` is called), or else what JSON cannot flatten.
 */
function whyNotJson(data: unknown): string {
  const found = bigIntPath(data, [], new Set(), 0);
  // A checkpoint's values are under channel_values: the state's keys are what the graph's author knows.
  const at = found?.[0] === 'channel_values' ? found.slice(1) : found;
  if (at !== undefined) return `JSON cannot hold a BigInt${at.length > 0 ? ` (at ${at.map((key) => JSON.stringify(key.slice(0, 40))).join('.')})` : ''}`;
  return 'it holds a value JSON cannot (a structure it cannot flatten, or a toJSON that throws)';
}

function bigIntPath(value: unknown, path: string[], seen: Set<object>, depth: number): string[] | undefined {
  if (typeof value === 'bigint') return path;
  if (value === null || typeof value !== 'object' || seen.has(value) || depth > 64) return undefined;
  seen.add(value);
  const entries = value instanceof Map ? [...value] : Array.isArray(value) || value instanceof Set ? [...value].map((item, i) => [i, item]) : Object.entries(value);
  for (const [key, item] of entries) {
    const found = bigIntPath(item, [...path, String(key)], seen, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
