import { Send } from '@langchain/langgraph';
import { JsonPlusSerializer, type SerializerProtocol } from '@langchain/langgraph-checkpoint';
import { GraphMcpError } from '../errors.js';
import { isPlainRecord } from '../plain-object.js';

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
    let type: string;
    let bytes: Uint8Array;
    try {
      // Bytes alone too (a channel whose value is a Uint8Array), or PostgreSQL's bytea would give a Buffer back.
      [type, bytes] = await this.inner.dumpsTyped(encoded(data, new Set()));
    } catch (error) {
      // A state nested deeper than the stack goes: the state's fault, never the store's (which a
      // task would retry as an outage, running its node again and again).
      if (error instanceof RangeError) throw new GraphMcpError('STATE_NOT_STORABLE', "the run's state cannot be stored: it nests too deeply", { cause: error });
      throw error;
    }
    if (type === 'json' && isPlaceholder(bytes)) throw new GraphMcpError('STATE_NOT_STORABLE', `the run's state cannot be stored: ${whyNotJson(data)}`);
    return [type, bytes];
  }

  async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    let loaded: unknown;
    try {
      loaded = await this.inner.loadsTyped(type, data);
    } catch (error) {
      // Reading is no I/O: what fails here fails every time (a record LangChain's reader refuses,
      // inside a LangChain message, or written before entries records). Taken for the store's
      // failure, a task was run again from its last checkpoint on every lease until it expired.
      throw new GraphMcpError('STATE_NOT_STORABLE', "the run's stored state cannot be read back: it holds a record LangChain's reader refuses", { cause: error });
    }
    return type === 'json' ? decoded(loaded, 0) : loaded;
  }
}

/**
 * Bytes in a state (an image a node drew, a file it fetched) as one base64
 * string. LangGraph's serializer writes a `Buffer` as its JSON form, an array
 * of one number per byte that comes back as `{ type: 'Buffer', data }`, not a
 * Buffer; another `Uint8Array` as that array again, which it reads back with a
 * promise per byte. A 3 MB image took seconds to write (longer than a task's
 * lease, so another process took the task over) and far longer to read.
 */
const BYTES_RECORD = 'graph-mcp:bytes';
/**
 * A plain record LangGraph's reader would not give back as it was, by its
 * keys, as its entries. That reader takes any record with an `lc` key for
 * one of LangChain's own (`{ lc: 2, type: 'undefined' }` is dropped, a
 * `constructor` record becomes a `Set` or a LangChain message, a `secret`
 * record fails every read), and writes keys by assignment, so a `__proto__`
 * key became the record's prototype. A caller's arguments or answers kept in
 * the state are such records as easily as a node's own values: a paused run
 * or a task then went on with other values than it had, or could never be
 * read again.
 */
const ENTRIES_RECORD = 'graph-mcp:entries';
/** How deep bytes and such records are looked for, written and read alike; deeper ones are left to LangGraph's own form. */
const WALK_DEPTH = 512;

interface BytesRecord {
  lc: 2;
  type: typeof BYTES_RECORD;
  buffer: boolean;
  base64: string;
}

interface EntriesRecord {
  lc: 2;
  type: typeof ENTRIES_RECORD;
  entries: Array<[string, unknown]>;
}

// (`lg_name`: LangGraph's writer takes a record with `lg_name: 'Send'` for a Send, and drops its other keys.)
const needsEntries = (record: object): boolean => Object.hasOwn(record, 'lc') || Object.hasOwn(record, '__proto__') || Object.hasOwn(record, 'lg_name');

/**
 * The value as it is written: its bytes as byte records and the plain
 * records LangGraph would not read back as entries records. The same value
 * where it holds neither (the live state is never changed).
 */
function encoded(value: unknown, path: Set<object>): unknown {
  if (value === null || typeof value !== 'object' || path.size > WALK_DEPTH) return value;
  if (value instanceof Uint8Array) {
    const record: BytesRecord = { lc: 2, type: BYTES_RECORD, buffer: Buffer.isBuffer(value), base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    return record;
  }
  // A Send's arguments are a node's input, as free as a caller's: written as LangGraph writes a Send.
  if (value instanceof Send) {
    const send = value as { node: unknown; args: unknown; timeout?: unknown };
    const args = encoded(send.args, path);
    return args === send.args ? value : { node: send.node, args, ...(send.timeout !== undefined ? { timeout: send.timeout } : {}) };
  }
  const array = Array.isArray(value);
  // Arrays and plain records are walked (a class's instance serialises itself).
  if (!array && !isPlainRecord(value)) return value;
  // One that holds itself: LangGraph's serializer writes "[Circular]" in its place and says nothing, so a
  // run resumed from it read a string where it had left the value (one that did not pause dropped it).
  if (path.has(value)) throw new GraphMcpError('STATE_NOT_STORABLE', `the run's state cannot be stored: ${whereCycle(path)}`);
  path.add(value);
  let copy: unknown[] | Record<string, unknown> | undefined;
  if (array) {
    value.forEach((item, i) => {
      const written = encoded(item, path);
      if (written !== item) (copy ??= [...value])[i as never] = written as never;
    });
  } else if (needsEntries(value)) {
    const record: EntriesRecord = { lc: 2, type: ENTRIES_RECORD, entries: Object.entries(value).map(([key, item]) => [key, encoded(item, path)]) };
    copy = record as unknown as Record<string, unknown>;
  } else {
    for (const [key, item] of Object.entries(value)) {
      const written = encoded(item, path);
      if (written !== item) (copy ??= { ...value })[key as never] = written as never;
    }
  }
  path.delete(value);
  return copy ?? value;
}

function isBytesRecord(value: Record<string, unknown>): value is Record<string, unknown> & BytesRecord {
  return value.lc === 2 && value.type === BYTES_RECORD && typeof value.base64 === 'string';
}

function isEntriesRecord(value: Record<string, unknown>): value is Record<string, unknown> & EntriesRecord {
  return value.lc === 2 && value.type === ENTRIES_RECORD && Array.isArray(value.entries);
}

/** The loaded value with its byte and entries records as what was written; changed in place, it is fresh. */
function decoded(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > WALK_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = decoded(value[i], depth + 1);
    return value;
  }
  if (!isPlainRecord(value)) return value;
  if (isBytesRecord(value)) {
    const bytes = Buffer.from(value.base64, 'base64');
    return value.buffer ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  // Own keys, `__proto__` too (Object.fromEntries defines them; assignment would set the prototype).
  if (isEntriesRecord(value)) return Object.fromEntries(value.entries.map(([key, item]) => [key, decoded(item, depth + 1)]));
  for (const [key, item] of Object.entries(value)) value[key] = decoded(item, depth + 1);
  return value;
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

/** Where a value holds itself, in words: the keys from the state's channel down to the value held again. */
function whereCycle(ancestors: Set<object>): string {
  const chain = [...ancestors];
  const keys: string[] = [];
  for (let i = 0; i + 1 < chain.length; i += 1) {
    const parent = chain[i] as Record<string, unknown>;
    const key = Object.keys(parent).find((name) => parent[name] === chain[i + 1]);
    keys.push(key ?? '?');
  }
  // A checkpoint's values are under channel_values: the state's keys are what the graph's author knows.
  const at = keys[0] === 'channel_values' ? keys.slice(1) : keys;
  return `it holds a value that contains itself, which JSON cannot${at.length > 0 ? ` (inside ${at.map((key) => JSON.stringify(key.slice(0, 40))).join('.')})` : ''}`;
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
