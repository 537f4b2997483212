/**
 * The one place where credentials a run was handed are removed from what
 * leaves the run: results (values and keys), errors, progress messages,
 * questions asked of the caller, task status. Every path out of a run goes
 * through these two functions.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not scrubbed: they would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** `text` with every occurrence of every secret replaced by `[redacted]`, as it is and as JSON writes it inside a string. */
export function scrubText(text: string, secrets: Iterable<string> | undefined): string {
  if (secrets === undefined) return text;
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // A secret with a quote or a backslash, inside JSON text a graph made of it.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

/** How many credentials the process remembers for its log (the newest; see `rememberHanded`). */
const HANDED_KEPT = 10_000;
const handed = new Set<string>();

/**
 * Remembers credentials handed to runs, so that the log can scrub them from
 * errors no run owns any more: a graph's promise that rejects after its run
 * ended, or an exception from its timer (see `log.ts`).
 */
export function rememberHanded(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) return;
  handed.delete(secret);
  handed.add(secret);
  if (handed.size > HANDED_KEPT) handed.delete(handed.values().next().value as string);
}

/** `value` (text, or plain JSON-like data) without any credential this process has handed to a run. */
export function scrubHanded<T>(value: T): T {
  return handed.size === 0 ? value : scrubValue(value, [...handed]);
}

/** A deep copy of plain JSON-like `value` with every secret scrubbed from strings and object keys. */
export function scrubValue<T>(value: T, secrets: readonly string[] | undefined): T {
  if (secrets === undefined || secrets.length === 0) return value;
  return scrub(value, secrets) as T;
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubText(key, secrets), scrub(item, secrets)]));
  }
  return value;
}
