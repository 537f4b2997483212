import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import { makePrivateDirectory } from '../../private-directory.js';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { GraphMcpError } from '../../errors.js';
import { sqliteOpenProblem } from '../../store/sqlite-native.js';
import { checkHeaders, checkIds, headersSchema } from './headers-json.js';
import type { SecretEntry, SecretStore } from './secret-store.js';

export interface SqliteSecretStoreOptions {
  /** The database file; created (mode 0600) when missing. */
  path: string;
  /** Environment variable holding the 32-byte key, as base64 or 64 hex digits. @default "GRAPH_MCP_SECRETS_KEY" */
  keyEnv?: string;
}

export const DEFAULT_SECRETS_KEY_ENV = 'GRAPH_MCP_SECRETS_KEY';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A persistent embedded store: one row per (principal, server), the
 * headers encrypted with AES-256-GCM under a key from the environment.
 * Each ciphertext is bound to its row (principal and server are the
 * additional authenticated data), so a value copied to another row does not
 * decrypt. Header names are kept in clear for `list`; values never are.
 */
export class SqliteSecretStore implements SecretStore {
  /** The file opened (device and inode), to tell when it is deleted or replaced under this process. */
  private readonly opened: { dev: number; ino: number; path: string } | undefined;

  private constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly key: Buffer,
    private readonly file: string,
  ) {
    const stats = file === ':memory:' ? undefined : statSync(file, { throwIfNoEntry: false });
    this.opened = stats && { dev: stats.dev, ino: stats.ino, path: path.resolve(file) };
  }

  /**
   * The file is still the one opened. Deleted or replaced (a store made anew, under another
   * key, to rotate it), this process would go on reading the old one: a credential removed
   * there would still be handed out, one stored there never.
   */
  private stillOpened(): void {
    if (this.opened === undefined) return;
    // By the path it had when opened: the working directory may have changed since.
    const now = statSync(this.opened.path, { throwIfNoEntry: false });
    if (now === undefined || now.dev !== this.opened.dev || now.ino !== this.opened.ino) {
      throw new GraphMcpError('SECRET_STORE', `${this.file}: the secret store was ${now === undefined ? 'deleted' : 'replaced'} while this process had it open; restart to use the store at that path`);
    }
  }

  static async open(options: SqliteSecretStoreOptions): Promise<SqliteSecretStore> {
    const keyEnv = options.keyEnv ?? DEFAULT_SECRETS_KEY_ENV;
    const key = readKey(keyEnv);
    let Database: typeof BetterSqlite3;
    try {
      Database = (await import('better-sqlite3')).default;
    } catch (cause) {
      throw new GraphMcpError('SECRET_STORE', 'the SQLite secret store needs the optional dependency better-sqlite3: npm install better-sqlite3', { cause });
    }
    let db: BetterSqlite3.Database;
    try {
      createPrivate(options.path);
      db = new Database(options.path);
      db.pragma('journal_mode = WAL');
      db.exec(`CREATE TABLE IF NOT EXISTS secrets (
        principal_id TEXT NOT NULL,
        server TEXT NOT NULL,
        header_names TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (principal_id, server)
      )`);
      db.exec('CREATE TABLE IF NOT EXISTS secret_store_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)');
    } catch (cause) {
      // SQLite's messages ("file is not a database", "unable to open database file") carry no data.
      throw new GraphMcpError('SECRET_STORE', `cannot open the secret store ${options.path}: ${sqliteOpenProblem(cause, 'choose another secret store (a file, GRAPH_MCP_SECRETS, or your own)')}`, { cause });
    }
    const store = new SqliteSecretStore(db, key, options.path);
    try {
      store.checkKey(keyEnv);
    } catch (error) {
      db.close();
      throw error;
    }
    return store;
  }

  /**
   * The key must be the one the store was written with: otherwise `secrets
   * set` would store what the server cannot read, and the server would fail
   * each user's run instead of refusing to start. A value encrypted under
   * the key is kept for the check (a store written before it is checked
   * against one of its rows).
   */
  private checkKey(keyEnv: string): void {
    // One transaction, taking the write lock first: two processes opening a new store at once
    // under different keys would otherwise both find no check and both pass, one then writing
    // what the other cannot read.
    this.db.transaction(() => this.checkKeyNow(keyEnv)).immediate();
  }

  private checkKeyNow(keyEnv: string): void {
    const wrongKey = () => new GraphMcpError('SECRET_STORE', `${this.file}: the key in ${keyEnv} is not the key this secret store was written with`);
    const check = this.db.prepare("SELECT value FROM secret_store_meta WHERE name = 'key_check'").get() as { value: Buffer } | undefined;
    if (check !== undefined) {
      if (!this.opens(check.value, KEY_CHECK.principal, KEY_CHECK.server)) throw wrongKey();
      return;
    }
    const row = this.db.prepare('SELECT principal_id, server, ciphertext FROM secrets LIMIT 1').get() as { principal_id: string; server: string; ciphertext: Buffer } | undefined;
    if (row !== undefined && !this.opens(row.ciphertext, row.principal_id, row.server)) throw wrongKey();
    this.db
      .prepare("INSERT OR IGNORE INTO secret_store_meta (name, value) VALUES ('key_check', ?)")
      .run(this.encrypt({ check: 'graph-mcp' }, KEY_CHECK.principal, KEY_CHECK.server));
  }

  private opens(blob: Buffer, principalId: string, server: string): boolean {
    try {
      this.decrypt(blob, principalId, server);
      return true;
    } catch {
      return false;
    }
  }

  async get(principalId: string, server: string) {
    this.stillOpened();
    const row = this.db.prepare('SELECT ciphertext FROM secrets WHERE principal_id = ? AND server = ?').get(principalId, server) as
      | { ciphertext: Buffer }
      | undefined;
    if (row === undefined) return undefined;
    return this.decrypt(row.ciphertext, principalId, server);
  }

  async set(principalId: string, server: string, headers: Record<string, string>) {
    checkIds(principalId, server);
    const checked = checkHeaders(headers, `credentials for user "${principalId}" and server "${server}"`);
    this.db
      .prepare(
        `INSERT INTO secrets (principal_id, server, header_names, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (principal_id, server) DO UPDATE SET header_names = excluded.header_names, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      )
      .run(principalId, server, JSON.stringify(Object.keys(checked)), this.encrypt(checked, principalId, server), new Date().toISOString());
  }

  async delete(principalId: string, server: string) {
    return this.db.prepare('DELETE FROM secrets WHERE principal_id = ? AND server = ?').run(principalId, server).changes > 0;
  }

  async list(principalId?: string): Promise<SecretEntry[]> {
    const rows = (
      principalId === undefined
        ? this.db.prepare('SELECT principal_id, server, header_names, updated_at FROM secrets ORDER BY principal_id, server').all()
        : this.db.prepare('SELECT principal_id, server, header_names, updated_at FROM secrets WHERE principal_id = ? ORDER BY server').all(principalId)
    ) as Array<{ principal_id: string; server: string; header_names: string; updated_at: string }>;
    return rows.map((row) => ({ principalId: row.principal_id, server: row.server, headers: JSON.parse(row.header_names) as string[], updatedAt: row.updated_at }));
  }

  close() {
    this.db.close();
  }

  private encrypt(headers: Record<string, string>, principalId: string, server: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(aad(principalId, server));
    const body = Buffer.concat([cipher.update(JSON.stringify(headers), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  private decrypt(blob: Buffer, principalId: string, server: string): Record<string, string> {
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, blob.subarray(0, IV_BYTES));
      decipher.setAAD(aad(principalId, server));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      return headersSchema.parse(JSON.parse(text));
    } catch {
      throw new GraphMcpError(
        'SECRET_STORE',
        `${this.file}: the stored credentials for user "${principalId}" and server "${server}" cannot be decrypted (wrong key, or the row was tampered with)`,
      );
    }
  }
}

/** The row the key check is bound to: no user or server can be named so (ids are checked, NUL refused). */
const KEY_CHECK = { principal: '\u0000key-check', server: '\u0000' } as const;

function aad(principalId: string, server: string): Buffer {
  return Buffer.from(`${principalId}\u0000${server}`, 'utf8');
}

/**
 * Creates the database file readable by its owner only, before SQLite opens
 * it (its journal and WAL files then get the same mode). An existing file
 * keeps its mode.
 */
function createPrivate(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return; // not a plain file path
  // Its folder too, as the run store makes its own (private: it holds credentials).
  makePrivateDirectory(path.dirname(file));
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
  }
}

/** The 32-byte key from `variable`: 64 hex digits, or base64 (standard or URL-safe). Errors never quote it. */
function readKey(variable: string): Buffer {
  const value = process.env[variable]?.trim();
  if (!value) {
    throw new GraphMcpError('SECRET_STORE', `the secret store key is missing: set ${variable} to 32 random bytes, base64 or hex`);
  }
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/.test(value)) {
    throw new GraphMcpError('SECRET_STORE', `${variable} must hold 32 bytes as base64 or 64 hex digits (it is neither)`);
  }
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new GraphMcpError('SECRET_STORE', `${variable} must hold 32 bytes as base64 or 64 hex digits (it decodes to ${key.length} bytes)`);
  }
  return key;
}

/** Opens (creating when missing) an encrypted SQLite secret store: see `SqliteSecretStore`. */
export function openSqliteSecretStore(options: SqliteSecretStoreOptions): Promise<SqliteSecretStore> {
  return SqliteSecretStore.open(options);
}
