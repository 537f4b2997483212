import { z } from 'zod';
import { GraphMcpError } from '../../errors.js';

/** `{ "<principalId>": { "<server>": { "<Header-Name>": "<value>" } } }` */
export type SecretsDocument = Record<string, Record<string, Record<string, string>>>;

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name');
export const headersSchema = z.record(headerName, z.string());
const documentSchema = z.record(z.string().min(1), z.record(z.string().min(1), headersSchema));

/**
 * Parses the JSON form of secrets. Errors name where the problem is and
 * never quote a value.
 */
export function parseSecretsDocument(text: string, source: string): SecretsDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new GraphMcpError('SECRET_STORE', `${source}: not valid JSON`);
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    // zod messages describe the expected shape, not the received value.
    throw new GraphMcpError('SECRET_STORE', `${source}: ${at}: ${issue.message} (expected {"<user>": {"<server>": {"<Header>": "<value>"}}})`);
  }
  return parsed.data;
}

export function listDocument(document: SecretsDocument, principalId?: string) {
  return Object.entries(document)
    .filter(([id]) => principalId === undefined || id === principalId)
    .flatMap(([id, servers]) => Object.entries(servers).map(([server, headers]) => ({ principalId: id, server, headers: Object.keys(headers) })));
}
