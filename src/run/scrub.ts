/**
 * The one place where credentials a run was handed are removed from what
 * leaves the run: results (values and keys), errors, progress messages,
 * questions asked of the caller, task status. Every path out of a run goes
 * through these two functions.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not scrubbed: they would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** `text` with every occurrence of every secret replaced by `[redacted]`. */
export function scrubText(text: string, secrets: readonly string[] | undefined): string {
  if (secrets === undefined || secrets.length === 0) return text;
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
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
