/**
 * The one place where credentials a run was handed are removed from what
 * leaves the run: results (values and keys), errors, progress messages,
 * questions asked of the caller, task status. Every path out of a run goes
 * through these two functions.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not scrubbed: they would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** Up to this many forms of secrets, each is searched for in turn (see `SecretIndex`). */
const FEW_SECRETS = 32;

/** `text` with every occurrence of every secret replaced by `[redacted]`, as it is and as JSON writes it inside a string. */
export function scrubText(text: string, secrets: Iterable<string> | undefined): string {
  if (secrets === undefined || text.length < MIN_SECRET_LENGTH) return text;
  // One text: each secret searched for in turn (a `SecretIndex` pays off over many texts, or many secrets).
  const places: number[] = [];
  for (const secret of secrets) {
    for (const form of inText(secret)) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) places.push(at, at + form.length);
    }
  }
  return places.length === 0 ? text : redactPlaces(text, places);
}

/**
 * Secrets found in a text however many there are. Every place any of them
 * stands is found (one that begins inside another's too), and the places
 * merged before they are replaced, so that no part of one is left between
 * two replacements. A few are each searched for in turn; more are filed by
 * their first `MIN_SECRET_LENGTH` characters and their length, and at each
 * place in the text only the lengths filed under the characters there are
 * looked up (tokens share their first characters: every JWT begins "eyJh").
 * A search for each of thousands in turn took milliseconds a text. A secret
 * with a quote or a backslash is also looked for as JSON writes it inside a
 * string (JSON text a graph made of it).
 */
export class SecretIndex {
  /** How many of the secrets added have each form (one form can be two secrets'). */
  private readonly forms = new Map<string, number>();
  /** Forms by their first characters, then by their length. */
  private readonly byPrefix = new Map<string, Map<number, Set<string>>>();

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string): void {
    for (const form of inText(secret)) {
      const count = this.forms.get(form) ?? 0;
      this.forms.set(form, count + 1);
      if (count > 0) continue;
      const key = form.slice(0, MIN_SECRET_LENGTH);
      let byLength = this.byPrefix.get(key);
      if (byLength === undefined) this.byPrefix.set(key, (byLength = new Map()));
      let filed = byLength.get(form.length);
      if (filed === undefined) byLength.set(form.length, (filed = new Set()));
      filed.add(form);
    }
  }

  delete(secret: string): void {
    for (const form of inText(secret)) {
      const count = this.forms.get(form);
      if (count === undefined) continue;
      if (count > 1) {
        this.forms.set(form, count - 1);
        continue;
      }
      this.forms.delete(form);
      const key = form.slice(0, MIN_SECRET_LENGTH);
      const byLength = this.byPrefix.get(key);
      const filed = byLength?.get(form.length);
      filed?.delete(form);
      if (filed?.size === 0) byLength!.delete(form.length);
      if (byLength?.size === 0) this.byPrefix.delete(key);
    }
  }

  scrub(text: string): string {
    if (this.forms.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    // Where each secret stands, as [start, end) pairs.
    const places: number[] = [];
    if (this.forms.size <= FEW_SECRETS) {
      for (const form of this.forms.keys()) {
        for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) places.push(at, at + form.length);
      }
    } else {
      for (let at = 0; at <= text.length - MIN_SECRET_LENGTH; at += 1) {
        const byLength = this.byPrefix.get(text.slice(at, at + MIN_SECRET_LENGTH));
        if (byLength === undefined) continue;
        for (const [length, filed] of byLength) {
          if (at + length <= text.length && filed.has(text.slice(at, at + length))) places.push(at, at + length);
        }
      }
    }
    if (places.length === 0) return text;
    return redactPlaces(text, places);
  }
}

/** `text` with the places given (`[start, end)` pairs, in any order) replaced, those that overlap as one. */
function redactPlaces(text: string, places: number[]): string {
  const order = Array.from({ length: places.length / 2 }, (_, i) => i).sort((a, b) => places[2 * a]! - places[2 * b]!);
  let out = '';
  let kept = 0;
  let start = places[2 * order[0]!]!;
  let end = places[2 * order[0]! + 1]!;
  for (const i of order.slice(1)) {
    const from = places[2 * i]!;
    const to = places[2 * i + 1]!;
    if (from < end) {
      end = Math.max(end, to);
      continue;
    }
    out += text.slice(kept, start) + REDACTED;
    kept = end;
    start = from;
    end = to;
  }
  return `${out}${text.slice(kept, start)}${REDACTED}${text.slice(end)}`;
}

/** A secret as it may stand in a text: itself, and as JSON writes it inside a string. None when too short to scrub. */
function inText(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
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
  let out = handedIndex.scrub(scrubText(message, secrets));
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
  const index = secrets === undefined ? undefined : new SecretIndex(secrets);
  const scrubbed = mapTexts(data, (text) => failureText(index === undefined ? text : index.scrub(text), undefined));
  return JSON.stringify(scrubbed).length > MAX_FAILURE_DATA ? undefined : scrubbed;
}

/** How many credentials (each of their forms counted) the process remembers (the newest; see `rememberHanded`). */
const HANDED_KEPT = 50_000;
const handed = new Set<string>();
const handedIndex = new SecretIndex();

/**
 * Remembers credentials handed to runs, so that the log can scrub them from
 * errors no run owns any more: a graph's promise that rejects after its run
 * ended, or an exception from its timer (see `log.ts`).
 */
export function rememberHanded(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) return;
  if (handed.delete(secret)) {
    handed.add(secret);
    return;
  }
  handed.add(secret);
  handedIndex.add(secret);
  if (handed.size > HANDED_KEPT) {
    const oldest = handed.values().next().value as string;
    handed.delete(oldest);
    handedIndex.delete(oldest);
  }
}

/**
 * `value` (text, or plain JSON-like data) without any credential this
 * process has handed to a run; `value` itself, untouched, when it quotes
 * none (a class instance in it stays one).
 */
export function scrubHanded<T>(value: T): T {
  if (handed.size === 0) return value;
  let quoted = false;
  const scrubbed = mapTexts(value, (text) => {
    const without = handedIndex.scrub(text);
    if (without !== text) quoted = true;
    return without;
  });
  return quoted ? (scrubbed as T) : value;
}

/**
 * What the log is given of an error: the credentials handed to runs and any
 * URL's password removed from every string in it (its stack, its cause's).
 * An error raised outside any run (a node's stray timer) passes no run's
 * scrubbing, and may quote a connection string.
 */
export function scrubLogged<T>(value: T): T {
  return mapTexts(value, (text) => withoutUrlPasswords(cutForLog(handedIndex.scrub(text))), loggedBytes, CREDENTIAL_FIELD, MAX_LOGGED_DEPTH) as T;
}

/**
 * Fields named for a credential, at any depth of a logged error: a library's
 * error carries the request it failed on (`config.headers.Authorization`,
 * `headers.cookie`), whose values may be credentials no run was handed (an
 * API key from the environment). Their text values are not logged.
 */
export const CREDENTIAL_FIELD =
  /^(?:(?:proxy-)?authorization|(?:set-)?cookie|credentials?|session(?:[-_]?id)?|token|password|passwd|secret)$|(?:api|subscription|access|private|secret|account)[-_]?key$|(?:^|[-_]|(?<=[a-z]))(?:api|access|refresh|id|auth|bearer|session|security|private)[-_]?token$|(?:^|[-_]|(?<=[a-z]))(?:secret|password|passwd)$|^x-(?:api|auth)-(?:key|token|secret)$/i;

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
  const index = new SecretIndex(secrets);
  return mapTexts(value, (text) => index.scrub(text)) as T;
}

/**
 * `value` with `change` applied to every string in it, keys included (and
 * `bytes` to bytes, when given); the text under a key `hidden` matches (a
 * string, or strings in an array) is `[redacted]` instead.
 */
function mapTexts(value: unknown, change: (text: string) => string, bytes?: (view: ArrayBufferView) => unknown, hidden?: RegExp, maxDepth = Infinity): unknown {
  return mapWithin(value, change, bytes, hidden, new WeakSet(), maxDepth);
}

/** How deep the log goes into an error's fields; deeper is written as `[…]` (a library's error may hold a whole request). */
const MAX_LOGGED_DEPTH = 64;

/** `mapTexts`, on `value` inside the objects in `within` (a value that holds itself is written as `[Circular]`), `depthLeft` levels at most. */
function mapWithin(value: unknown, change: (text: string) => string, bytes: ((view: ArrayBufferView) => unknown) | undefined, hidden: RegExp | undefined, within: WeakSet<object>, depthLeft: number): unknown {
  if (typeof value === 'string') return change(value);
  if (value === null || typeof value !== 'object') return value;
  if (bytes !== undefined && ArrayBuffer.isView(value)) return bytes(value);
  if (within.has(value)) return '[Circular]';
  if (depthLeft <= 0) return '[…]';
  within.add(value);
  try {
    const inner = (item: unknown) => mapWithin(item, change, bytes, hidden, within, depthLeft - 1);
    if (Array.isArray(value)) return value.map(inner);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [change(key), hidden?.test(key) && item !== null && item !== undefined ? hiddenValue(item) : inner(item)]));
  } finally {
    within.delete(value);
  }
}

/** What is written for a value under a key named for a credential: every text and number in it, `[redacted]`. */
function hiddenValue(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return REDACTED;
  if (Array.isArray(value)) return value.map((item) => (item === null || item === undefined ? item : hiddenValue(item)));
  return value !== null && typeof value === 'object' ? REDACTED : value;
}
