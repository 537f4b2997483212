/**
 * Graph state holds class instances (LangChain messages above all); tool
 * output must be plain JSON. Messages become `{ type, content, ... }`,
 * anything with `toJSON` is serialised, a Map an object and a Set an array,
 * bytes base64; cycles and functions are dropped.
 */
export function toPlainJson(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return value;
  }
  if (seen.has(value)) return undefined;
  if (depth >= MAX_DEPTH) throw new Error(`it nests deeper than ${MAX_DEPTH} levels`);
  seen.add(value);
  const inner = (item: unknown): unknown => toPlainJson(item, seen, depth + 1);
  try {
    if (isMessage(value)) return messageToJson(value, inner);
    // An invalid date is null, as JSON.stringify writes it.
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    // Bytes as base64, as MCP carries binary (JSON.stringify would write a Buffer as
    // { type, data: [numbers] } and other byte arrays as one key per byte); other
    // typed arrays as arrays of numbers.
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
    if (ArrayBuffer.isView(value)) return value instanceof DataView ? null : Array.from(value as unknown as ArrayLike<number | bigint>, (item) => inner(item));
    const stored = storedBuffer(value);
    if (stored !== undefined) return stored;
    // `new String('x')` and its kin: their value, as JSON.stringify writes them (not one key per character).
    if (value instanceof String || value instanceof Number || value instanceof Boolean) return inner(value.valueOf());
    if (Array.isArray(value)) return value.map((item) => inner(item) ?? null);
    // What JSON.stringify would make `{}` of: a Set as its items, a Map as an object of its
    // entries (keys as text), an Error as its name and message (never its stack).
    if (value instanceof Set) return [...value].map((item) => inner(item) ?? null);
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of value) {
        const plain = inner(item);
        if (plain !== undefined) setOwn(out, String(key), plain);
      }
      return out;
    }
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return inner((value as { toJSON(): unknown }).toJSON());
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = inner(item);
      if (plain !== undefined) setOwn(out, key, plain);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** How deep output may nest (arguments may nest 256 levels); deeper is refused, not a stack overflow. */
const MAX_DEPTH = 1000;

/**
 * A Buffer a checkpoint stored comes back as its JSON form; as base64 too,
 * so that a resumed run's output is the same as an unpaused one's.
 */
function storedBuffer(value: object): string | undefined {
  const bytes = bytesOfBufferJson(value);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('base64');
}

/**
 * The bytes of a Buffer's JSON form (`{ type: 'Buffer', data: [bytes] }`,
 * and nothing else): what a Buffer in a checkpoint comes back as once the
 * state was stored (a paused run resumed, a task continued by another
 * process), since the serializer keeps only that.
 */
export function bytesOfBufferJson(value: unknown): Uint8Array | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const candidate = value as { type?: unknown; data?: unknown };
  if (candidate.type !== 'Buffer' || !Array.isArray(candidate.data) || Object.keys(value).length !== 2) return undefined;
  const bytes = candidate.data as unknown[];
  return bytes.every((byte) => Number.isInteger(byte) && (byte as number) >= 0 && (byte as number) <= 255) ? Uint8Array.from(bytes as number[]) : undefined;
}

/**
 * `out[key] = value`, except that a key `__proto__` (JSON.parse makes one an
 * own property) stays a property instead of replacing the object's prototype.
 */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

interface MessageLike {
  content: unknown;
  getType?: () => string;
  _getType?: () => string;
  name?: string;
  tool_calls?: unknown[];
  tool_call_id?: string;
  id?: string;
}

export function isMessage(value: unknown): value is MessageLike {
  if (value === null || typeof value !== 'object' || !('content' in value)) return false;
  const candidate = value as MessageLike;
  return typeof candidate.getType === 'function' || typeof candidate._getType === 'function';
}

export function messageType(message: MessageLike): string {
  return (message.getType?.() ?? message._getType?.() ?? 'unknown').toString();
}

/** The text of a message: string content, or the text parts of structured content. */
export function messageText(message: MessageLike): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'string' ? part : part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
      .join('');
  }
  return '';
}

function messageToJson(message: MessageLike, inner: (item: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { type: messageType(message), content: inner(message.content) };
  if (message.name) out.name = message.name;
  if (message.id) out.id = message.id;
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) out.tool_calls = inner(message.tool_calls);
  if (message.tool_call_id) out.tool_call_id = message.tool_call_id;
  return out;
}
