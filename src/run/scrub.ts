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

/** The most characters of a failure's message a caller is shown. */
export const MAX_FAILURE_MESSAGE = 8 * 1024;

/**
 * `scheme://user:password@host`: a connection string in a driver's or a
 * client's message. The password runs to the last `@` before a host (drivers
 * take an unencoded `@` or `/` in it): better to hide too much than too
 * little. The scheme starts where no scheme character precedes it (not at
 * any word boundary: `\b` made a long run of `a.a.a.` quadratic).
 */
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):\S*@(?=[^\s@/]*(?:[/?#\s]|$))/gi;

/** A stack frame (`    at fn (/path/file.js:1:2)`, `    at /path/file.js:1:2`) a message carries when a node put its stack in it. */
const STACK_FRAME = /^\s+at (?:.*\(.*:\d+:\d+\)|\S+:\d+:\d+|.*\((?:native|<anonymous>)\))$/;

/** Room past the cut for a URL the cut would split, so that its password is still found. */
const CUT_SLACK = 512;

/**
 * The message of a graph's failure as its caller is shown it: scrubbed of
 * the run's credentials (`scrubText`), of any URL's password, and of stack
 * frames, and cut at `MAX_FAILURE_MESSAGE` characters. A driver's error
 * names its connection string, a node that rethrows may put its stack in
 * the message, and a message of megabytes helps nobody.
 */
export function failureText(message: string, secrets: Iterable<string> | undefined): string {
  // Every credential handed to any run too: a graph that keeps one user's client (a cached
  // connection, a module-level pool) fails another user's run with the first one's token.
  let out = scrubHanded(scrubText(message, secrets));
  if (out.includes('\n')) out = out.split(/\r?\n/).filter((line) => !STACK_FRAME.test(line)).join('\n');
  const length = out.length;
  // The pattern runs on the part that is kept (with some slack), whatever the message's size.
  out = withoutUrlPasswords(out.slice(0, MAX_FAILURE_MESSAGE + CUT_SLACK));
  if (length <= MAX_FAILURE_MESSAGE && out.length <= MAX_FAILURE_MESSAGE) return out;
  return `${out.slice(0, MAX_FAILURE_MESSAGE)}… (${length - MAX_FAILURE_MESSAGE} more characters cut)`;
}

/** The most characters of JSON a failure's `data` may take; more is dropped. */
export const MAX_FAILURE_DATA = 8 * 1024;

/**
 * The `data` of a JSON-RPC error a graph threw, as its caller is shown it:
 * every text in it (keys too) scrubbed as a failure's message is
 * (`failureText`), and none at all when its JSON is longer than
 * `MAX_FAILURE_DATA`: structured data cut in the middle is no longer what
 * the graph meant. `data` is JSON-like (parsed from JSON).
 */
export function failureData(data: unknown, secrets: Iterable<string> | undefined): unknown {
  const list = secrets === undefined ? undefined : [...secrets];
  const scrubbed = mapTexts(data, (text) => failureText(text, list));
  return JSON.stringify(scrubbed).length > MAX_FAILURE_DATA ? undefined : scrubbed;
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

/**
 * What the log is given of an error: the credentials handed to runs and any
 * URL's password removed from every string in it (its stack, its cause's).
 * An error raised outside any run (a node's stray timer) passes no run's
 * scrubbing, and may quote a connection string.
 */
export function scrubLogged<T>(value: T): T {
  const secrets = handed.size === 0 ? undefined : [...handed];
  return mapTexts(value, (text) => withoutUrlPasswords(cutForLog(secrets === undefined ? text : scrubText(text, secrets))), loggedBytes) as T;
}

/** Bytes an error carries (a response body), as the log names them: not their values, one number per byte. */
const loggedBytes = (bytes: ArrayBufferView) => `[${bytes.byteLength} bytes]`;

/** The most characters of one string of a logged error (its message, its stack). */
const MAX_LOGGED_TEXT = 16 * 1024;

/** Cut, as a failure's message is, before the URL pattern runs: on megabytes it would take seconds. */
function cutForLog(text: string): string {
  if (text.length <= MAX_LOGGED_TEXT) return text;
  return `${text.slice(0, MAX_LOGGED_TEXT + CUT_SLACK)}… (${text.length - MAX_LOGGED_TEXT - CUT_SLACK} more characters cut)`;
}

/** `text` with any URL's password replaced by `[redacted]` (`postgres://admin:[redacted]@db`). */
export function withoutUrlPasswords(text: string): string {
  return text.includes('://') ? text.replace(URL_PASSWORD, '$1:[redacted]@') : text;
}

/** A deep copy of plain JSON-like `value` with every secret scrubbed from strings and object keys. */
export function scrubValue<T>(value: T, secrets: readonly string[] | undefined): T {
  if (secrets === undefined || secrets.length === 0) return value;
  return scrub(value, secrets) as T;
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  return mapTexts(value, (text) => scrubText(text, secrets));
}

/** `value` with `change` applied to every string in it, keys included (and `bytes` to bytes, when given). */
function mapTexts(value: unknown, change: (text: string) => string, bytes?: (view: ArrayBufferView) => unknown): unknown {
  if (typeof value === 'string') return change(value);
  if (Array.isArray(value)) return value.map((item) => mapTexts(item, change, bytes));
  if (bytes !== undefined && ArrayBuffer.isView(value)) return bytes(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [change(key), mapTexts(item, change, bytes)]));
  }
  return value;
}
