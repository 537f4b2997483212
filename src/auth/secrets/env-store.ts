import { headersIn, listDocument, parseSecretsDocument, type SecretsDocument } from './headers-json.js';
import type { SecretEntry, SecretStore } from './secret-store.js';

export const DEFAULT_SECRETS_ENV = 'GRAPH_MCP_SECRETS';

/**
 * The file store's JSON, `{ "<user>": { "<server>": { "<Header>": "<value>" } } }`,
 * in an environment variable (default `GRAPH_MCP_SECRETS`). Read once, when
 * constructed; read-only. Errors name the variable, never a value.
 */
export class EnvSecretStore implements SecretStore {
  private readonly document: SecretsDocument;

  constructor(variable = DEFAULT_SECRETS_ENV) {
    this.document = parseSecretsDocument(process.env[variable] ?? '{}', `environment variable ${variable}`);
  }

  async get(principalId: string, server: string) {
    const headers = headersIn(this.document, principalId, server);
    return headers === undefined ? undefined : { ...headers };
  }

  async list(principalId?: string): Promise<SecretEntry[]> {
    return listDocument(this.document, principalId);
  }
}
