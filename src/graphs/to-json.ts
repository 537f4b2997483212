/**
 * Graph state holds class instances (LangChain messages above all); tool
 * output must be plain JSON. Messages become `{ type, content, ... }`,
 * anything with `toJSON` is serialised, a Map an object and a Set an array,
 * cycles and functions are dropped.
 */
export function toPlainJson(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return value;
  }
  if (seen.has(value)) return undefined;
  seen.add(value);
  try {
    if (isMessage(value)) return messageToJson(value, seen);
    if (value instanceof Date) return value.toISOString();
    // `new String('x')` and its kin: their value, as JSON.stringify writes them (not one key per character).
    if (value instanceof String || value instanceof Number || value instanceof Boolean) return toPlainJson(value.valueOf(), seen);
    if (Array.isArray(value)) return value.map((item) => toPlainJson(item, seen) ?? null);
    // What JSON.stringify would make `{}` of: a Set as its items, a Map as an object of its
    // entries (keys as text), an Error as its name and message (never its stack).
    if (value instanceof Set) return [...value].map((item) => toPlainJson(item, seen) ?? null);
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of value) {
        const plain = toPlainJson(item, seen);
        if (plain !== undefined) setOwn(out, String(key), plain);
      }
      return out;
    }
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return toPlainJson((value as { toJSON(): unknown }).toJSON(), seen);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = toPlainJson(item, seen);
      if (plain !== undefined) setOwn(out, key, plain);
    }
    return out;
  } finally {
    seen.delete(value);
  }
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

function messageToJson(message: MessageLike, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { type: messageType(message), content: toPlainJson(message.content, seen) };
  if (message.name) out.name = message.name;
  if (message.id) out.id = message.id;
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) out.tool_calls = toPlainJson(message.tool_calls, seen);
  if (message.tool_call_id) out.tool_call_id = message.tool_call_id;
  return out;
}
