import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { makePrivateDirectory } from '../../private-directory.js';
import path from 'node:path';
import { GraphMcpError } from '../../errors.js';
import { checkHeaders, checkIds, headersIn, listDocument, parseSecretsDocument, type SecretsDocument } from './headers-json.js';
import type { SecretEntry, SecretStore } from './secret-store.js';

export { EnvSecretStore } from './env-store.js';

/**
 * Secrets in a JSON file, for development: plain text on disk, so keep the
 * file out of version control. Read when opened (a missing file is an empty
 * store, so `graph-mcp secrets set` can create it) and again whenever it has
 * changed since (`graph-mcp secrets set` run beside a serving process, or an
 * edit by hand); `set` and `delete` write it back atomically (temporary
 * file, mode 0600, then rename).
 */
export class FileSecretStore implements SecretStore {
  /** Saves run one after another, so the file always ends with the latest document. */
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private document: SecretsDocument,
    /** The file as it was when read (mtime and inode), or `undefined` when there was none. */
    private version: string | undefined,
  ) {}

  static async open(file: string): Promise<FileSecretStore> {
    const { document, version } = await FileSecretStore.read(file);
    return new FileSecretStore(file, document, version);
  }

  private static async read(file: string): Promise<{ document: SecretsDocument; version: string | undefined }> {
    const version = await FileSecretStore.versionOf(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        throw new GraphMcpError('SECRET_STORE', `secrets file ${file} cannot be read (${code ?? 'error'})`, { cause });
      }
      text = '{}';
    }
    return { document: parseSecretsDocument(text, file), version };
  }

  private static async versionOf(file: string): Promise<string | undefined> {
    try {
      const { mtimeMs, ino, size } = await stat(file);
      return `${mtimeMs}:${ino}:${size}`;
    } catch {
      return undefined;
    }
  }

  /** The document as the file holds it now: read again only when the file changed. */
  private async current(): Promise<SecretsDocument> {
    const version = await FileSecretStore.versionOf(this.file);
    if (version !== this.version) ({ document: this.document, version: this.version } = await FileSecretStore.read(this.file));
    return this.document;
  }

  async get(principalId: string, server: string) {
    const headers = headersIn(await this.current(), principalId, server);
    return headers === undefined ? undefined : { ...headers };
  }

  async set(principalId: string, server: string, headers: Record<string, string>) {
    checkIds(principalId, server);
    const checked = checkHeaders(headers, `credentials for user "${principalId}" and server "${server}"`);
    const current = await this.current();
    this.document = { ...current, [principalId]: { ...current[principalId], [server]: checked } };
    await this.save();
  }

  async delete(principalId: string, server: string) {
    const current = await this.current();
    if (headersIn(current, principalId, server) === undefined) return false;
    const { [server]: _removed, ...rest } = current[principalId]!;
    const document = { ...current, [principalId]: rest };
    if (Object.keys(rest).length === 0) delete document[principalId];
    this.document = document;
    await this.save();
    return true;
  }

  async list(principalId?: string): Promise<SecretEntry[]> {
    return listDocument(await this.current(), principalId);
  }

  private save(): Promise<void> {
    const write = async () => {
      const document = this.document;
      const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        makePrivateDirectory(path.dirname(this.file));
        await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
        await rename(temp, this.file);
        // What it wrote is what it holds: not read back.
        if (this.document === document) this.version = await FileSecretStore.versionOf(this.file);
      } catch (cause) {
        await rm(temp, { force: true });
        const code = (cause as NodeJS.ErrnoException).code;
        throw new GraphMcpError('SECRET_STORE', `secrets file ${this.file} cannot be written (${code ?? 'error'})`, { cause });
      }
    };
    const saved = this.saving.then(write, write);
    this.saving = saved.catch(() => undefined);
    return saved;
  }
}

/** Opens (reads and validates) a JSON secrets file: see `FileSecretStore`. */
export function openFileSecretStore(file: string): Promise<FileSecretStore> {
  return FileSecretStore.open(file);
}
