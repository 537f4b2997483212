import { readFile, rename, writeFile } from 'node:fs/promises';
import { GraphMcpError } from '../../errors.js';
import { listDocument, parseSecretsDocument, type SecretsDocument } from './headers-json.js';
import type { SecretEntry, SecretStore } from './secret-store.js';

/**
 * Secrets in a JSON file, for development: plain text on disk, so keep the
 * file out of version control. Read once when opened; `set` and `delete`
 * write it back atomically.
 */
export class FileSecretStore implements SecretStore {
  private constructor(
    private readonly file: string,
    private document: SecretsDocument,
  ) {}

  static async open(file: string): Promise<FileSecretStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new GraphMcpError('SECRET_STORE', `secrets file ${file} cannot be read`, { cause });
      }
      text = '{}';
    }
    return new FileSecretStore(file, parseSecretsDocument(text, file));
  }

  async get(principalId: string, server: string) {
    const headers = this.document[principalId]?.[server];
    return headers === undefined ? undefined : { ...headers };
  }

  async set(principalId: string, server: string, headers: Record<string, string>) {
    this.document = { ...this.document, [principalId]: { ...this.document[principalId], [server]: { ...headers } } };
    await this.save();
  }

  async delete(principalId: string, server: string) {
    if (this.document[principalId]?.[server] === undefined) return false;
    const { [server]: _removed, ...rest } = this.document[principalId]!;
    this.document = { ...this.document, [principalId]: rest };
    if (Object.keys(rest).length === 0) delete this.document[principalId];
    await this.save();
    return true;
  }

  async list(principalId?: string): Promise<SecretEntry[]> {
    return listDocument(this.document, principalId);
  }

  private async save() {
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(this.document, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.file);
  }
}

/** The same JSON in an environment variable (default `GRAPH_MCP_SECRETS`): read-only. */
export class EnvSecretStore implements SecretStore {
  private readonly document: SecretsDocument;

  constructor(variable = 'GRAPH_MCP_SECRETS') {
    this.document = parseSecretsDocument(process.env[variable] ?? '{}', `environment variable ${variable}`);
  }

  async get(principalId: string, server: string) {
    const headers = this.document[principalId]?.[server];
    return headers === undefined ? undefined : { ...headers };
  }

  async list(principalId?: string): Promise<SecretEntry[]> {
    return listDocument(this.document, principalId);
  }
}
