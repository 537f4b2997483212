import { rememberHanded } from '../run/scrub.js';
import { GraphMcpError } from '../errors.js';
import type { Principal } from './principal.js';
import type { SecretStore } from './secrets/secret-store.js';

/** Where a run finds its caller's downstream credentials: `config.configurable.graph_mcp`. */
export const CREDENTIALS_KEY = 'graph_mcp';

export interface DownstreamServer {
  url: string;
  transport: 'http' | 'sse';
}

/**
 * The caller's downstream credentials, as a graph node sees them. Headers
 * are fetched from the secret store on first use, per run, and only for
 * the server asked for.
 */
export interface UserCredentials {
  readonly principalId: string | undefined;
  /** The downstream servers the config declares (`secrets.servers`). */
  readonly servers: Readonly<Record<string, DownstreamServer>>;
  /** The headers to send to `server` for this caller; throws when none are stored. */
  headersFor(server: string): Promise<Record<string, string>>;
}

export interface RunCredentials {
  credentials: UserCredentials;
  /** Every secret value handed out during the run, to be scrubbed from anything the run returns. */
  secretsUsed(): string[];
  /**
   * Counts every credential the caller has stored (for each declared
   * server) as handed out. For a run that continues from a checkpoint: its
   * nodes before the checkpoint may have been handed some and kept them in
   * the state, and no node asks for them again.
   */
  handAll(): Promise<void>;
}

/** Header names that carry a credential: their values are scrubbed from whatever a run returns. */
const CREDENTIAL_HEADER = /auth|token|key|secret|pass|cookie|session|sign|credential|jwt|bearer/i;
/** Under any other name, a value this long is taken for a token all the same. */
const TOKEN_LENGTH = 16;

/**
 * A secret store that fails to read (its database unreadable, a key that
 * does not decrypt what it holds) is a fault of the server, not something
 * the caller or the graph can mend: the node is told only that the
 * credentials could not be read, and `onStoreFailure` (the server's log)
 * gets the cause, which may name a file or say the key is wrong.
 */
export function createRunCredentials(
  store: SecretStore | undefined,
  servers: Readonly<Record<string, DownstreamServer>>,
  principal: Principal | undefined,
  onStoreFailure?: (error: unknown, context: { principal: string; server: string }) => void,
): RunCredentials {
  const used = new Set<string>();
  const credentials: UserCredentials = {
    principalId: principal?.id,
    servers,
    async headersFor(server) {
      // Own keys only: "toString" is no server, whatever Object.prototype says.
      if (!Object.hasOwn(servers, server)) {
        throw new GraphMcpError('SECRET_STORE', `unknown downstream server "${server}" (declare it under secrets.servers)`);
      }
      if (principal === undefined) {
        throw new GraphMcpError('SECRET_STORE', `no authenticated caller: credentials for "${server}" are per user`);
      }
      if (store === undefined) {
        throw new GraphMcpError('SECRET_STORE', 'no secret store is configured (see "secrets" in agent.config.json)');
      }
      let headers: Record<string, string> | undefined;
      try {
        headers = await store.get(principal.id, server);
      } catch (cause) {
        onStoreFailure?.(cause, { principal: principal.id, server });
        throw new GraphMcpError('SECRET_STORE', `the credentials for "${server}" could not be read: the secret store failed (the server's log says why)`, { cause });
      }
      if (headers === undefined) {
        throw new GraphMcpError('SECRET_STORE', `no credentials stored for user "${principal.id}" and server "${server}"`);
      }
      // A store of the project's own may hand back anything: header values must be text (and so
      // can be scrubbed), in a plain record (an array's indexes are no header names), read once
      // here, so that a getter which throws is the store's failure and not the node's to report.
      let handed: Record<string, string>;
      try {
        handed = headerRecord(headers);
      } catch (cause) {
        onStoreFailure?.(cause, { principal: principal.id, server });
        throw new GraphMcpError('SECRET_STORE', `the credentials for "${server}" could not be read: the secret store failed (the server's log says why)`);
      }
      for (const [name, value] of Object.entries(handed)) {
        // A header that carries no credential (a tenant, a user name) is not scrubbed from what
        // the run returns, unless its value is long enough to be a token: scrubbing "user"
        // would rewrite every "user" in the result, keys too, and break its output schema.
        if (!CREDENTIAL_HEADER.test(name) && value.length < TOKEN_LENGTH) continue;
        for (const secret of secretForms(name, value)) {
          used.add(secret);
          rememberHanded(secret);
        }
      }
      return { ...handed };
    },
  };
  const handAll = async () => {
    if (principal === undefined || store === undefined) return;
    // None stored for a server is common; a store that fails is logged by headersFor.
    await Promise.all(Object.keys(servers).map((server) => credentials.headersFor(server).catch(() => undefined)));
  };
  return { credentials, secretsUsed: () => [...used], handAll };
}

/**
 * What a secret store handed back, as the headers to send: an object (not
 * an array) of string values, each read once and trimmed as HTTP sends it
 * (fetch trims a value's surrounding whitespace, so the value scrubbed from
 * what the run returns must not hold it either, or it never matches).
 */
function headerRecord(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError('the secret store returned credentials that are not HTTP headers (an object of header name to string value)');
  }
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw new TypeError(`the secret store returned credentials that are not HTTP headers: the value of "${name}" is not a string`);
    }
    record[name] = value.trim();
  }
  return record;
}

/** Reads the run's credentials from a LangGraph `RunnableConfig`. */
export function credentialsFrom(config: { configurable?: Record<string, unknown> } | undefined): UserCredentials {
  const credentials = config?.configurable?.[CREDENTIALS_KEY] as UserCredentials | undefined;
  if (credentials === undefined || typeof credentials.headersFor !== 'function') {
    throw new GraphMcpError('SECRET_STORE', 'this run has no graph-mcp credentials: is the graph served by graph-mcp, and is config passed to the node?');
  }
  return credentials;
}

/** Shorter parts of a credential are not scrubbed (see `scrubText`): they would shred ordinary text. */
const MIN_PART_LENGTH = 4;
/** The words that name a pair's value a credential (`sid`, `session_id`, `AccountKey`, `auth-token`), each a whole word. */
const SECRET_WORDS = new Set(['sid', 'sess', 'session', 'token', 'key', 'apikey', 'secret', 'pass', 'passwd', 'password', 'pwd', 'auth', 'sig', 'signature', 'credential', 'credentials', 'jwt', 'bearer', 'csrf', 'xsrf']);
/** The shortest value of a pair named for a credential that counts (`sid=ab12cd34`; `sessionTimeout=1800` does not). */
const NAMED_SECRET_LENGTH = 8;

/** Whether a pair's name is made of a word that names a credential: split at punctuation and where camelCase turns. */
function namesSecret(name: string): boolean {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((word) => SECRET_WORDS.has(word));
}
/** The shortest part whose encoded forms are scrubbed too. */
const ENCODED_FORMS_LENGTH = 8;

/**
 * Every form in which a header's credential leaks, to scrub from what leaves
 * a run. The value, and the parts that are secret by themselves: the token
 * after a scheme (`Bearer abc` leaks as `abc`), a Basic credential decoded
 * (`user:password`, and the password), the value of a `name=value` pair
 * (a cookie, a connection string) named for a credential or as long as a
 * token (`sid`'s, not `theme=dark`'s: scrubbing "dark" would rewrite
 * ordinary words). Each
 * of those also as a URL writes it (an HTTP client's error quotes the URL it
 * asked, `?access_token=...` percent-encoded) and as base64.
 */
export function secretForms(name: string, value: string): string[] {
  const parts = new Set([value]);
  const [, scheme, token] = /^(\S+)\s+(\S{4,})$/.exec(value) ?? [];
  if (token !== undefined) parts.add(token);
  if (token !== undefined && scheme!.toLowerCase() === 'basic') {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0 && Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') === token.replace(/=+$/, '')) {
      parts.add(decoded);
      parts.add(decoded.slice(colon + 1));
    }
  }
  // `name=value` pairs (a cookie, a connection string's `AccountKey=...`, a signature's `Signature=...`).
  if (value.includes('=')) {
    for (const pair of value.split(/[;,&]/)) {
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const secret = pair.slice(at + 1).trim();
      if (secret.length >= TOKEN_LENGTH || (secret.length >= NAMED_SECRET_LENGTH && namesSecret(pair.slice(0, at).trim()))) parts.add(secret);
    }
  }
  const forms = new Set<string>();
  for (const part of parts) {
    if (part.length < MIN_PART_LENGTH) continue;
    forms.add(part);
    // Not a short one's: its base64 (six characters for four) could be found in an image's.
    if (part.length < ENCODED_FORMS_LENGTH) continue;
    forms.add(encodeURIComponent(part));
    forms.add(Buffer.from(part, 'utf8').toString('base64'));
    forms.add(Buffer.from(part, 'utf8').toString('base64url'));
  }
  return [...forms];
}
