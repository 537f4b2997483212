import { z } from 'zod';
import { GraphMcpError } from '../../errors.js';

/** `{ "<principalId>": { "<server>": { "<Header-Name>": "<value>" } } }` */
export type SecretsDocument = Record<string, Record<string, Record<string, string>>>;

/** RFC 9110 token. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/**
 * RFC 9110 field-value characters that fetch accepts (a ByteString): no CR,
 * LF, NUL or other controls, which would let a value smuggle in a header or
 * make fetch throw an error that quotes the value.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const headerName = z.string().regex(HEADER_NAME, 'not a valid HTTP header name');
// The message describes the rule; zod never quotes the value it rejected.
const headerValue = z.string().regex(HEADER_VALUE, 'not a valid HTTP header value (line breaks and control characters are not allowed)');
export const headersSchema = z.record(headerName, headerValue);
const documentSchema = z.record(z.string().min(1), z.record(z.string().min(1), headersSchema));

const SHAPE = '(expected {"<user>": {"<server>": {"<Header>": "<value>"}}})';

/**
 * Parses the JSON form of secrets. Errors name where the problem is and
 * never quote a value.
 */
export function parseSecretsDocument(text: string, source: string): SecretsDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error: never show it.
    throw new GraphMcpError('SECRET_STORE', `${source}: not valid JSON ${SHAPE}`);
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) throw new GraphMcpError('SECRET_STORE', `${source}: ${describeIssue(parsed.error.issues[0]!, DOCUMENT_KEYS)} ${SHAPE}`);
  return parsed.data;
}

/**
 * Checks headers about to be stored; `source` names them in the error,
 * which never quotes a value.
 */
export function checkHeaders(headers: unknown, source: string): Record<string, string> {
  const parsed = headersSchema.safeParse(headers);
  if (!parsed.success) throw new GraphMcpError('SECRET_STORE', `${source}: ${describeIssue(parsed.error.issues[0]!, HEADERS_KEYS)}`);
  if (Object.keys(parsed.data).length === 0) throw new GraphMcpError('SECRET_STORE', `${source}: no headers to store`);
  return parsed.data;
}

/**
 * User ids and server names are the key of a stored value (and, in the
 * SQLite store, part of its encryption's associated data, joined by NUL).
 */
export function checkIds(principalId: string, server: string): void {
  if (typeof principalId !== 'string' || principalId === '' || principalId.includes('\u0000')) {
    throw new GraphMcpError('SECRET_STORE', 'the user id must be a non-empty string without NUL characters');
  }
  if (typeof server !== 'string' || server === '' || server.includes('\u0000')) {
    throw new GraphMcpError('SECRET_STORE', 'the server name must be a non-empty string without NUL characters');
  }
}

/**
 * Where the issue is, and what was expected. A key that failed validation
 * is left out of the path: a rejected "header name" may well be a value
 * pasted in the wrong place.
 */
const DOCUMENT_KEYS = ['a user id is empty', 'a server name is empty', 'a header name is not a valid HTTP header name'];
const HEADERS_KEYS = ['a header name is not a valid HTTP header name'];

function describeIssue(issue: z.core.$ZodIssue, keyProblems: string[]): string {
  const path = issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path;
  const at = path.length > 0 ? path.map(String).join('.') : '(top level)';
  if (issue.code === 'invalid_key') {
    const problem = keyProblems[issue.path.length - 1];
    return `${at}: ${problem ?? 'a key is not valid'}`;
  }
  return `${at}: ${issue.message}`;
}

/** A user's headers for a server in a document, by own keys only ("toString" names no user or server). */
export function headersIn(document: SecretsDocument, principalId: string, server: string): Record<string, string> | undefined {
  const servers = Object.hasOwn(document, principalId) ? document[principalId] : undefined;
  return servers !== undefined && Object.hasOwn(servers, server) ? servers[server] : undefined;
}

export function listDocument(document: SecretsDocument, principalId?: string) {
  return Object.entries(document)
    .filter(([id]) => principalId === undefined || id === principalId)
    .flatMap(([id, servers]) => Object.entries(servers).map(([server, headers]) => ({ principalId: id, server, headers: Object.keys(headers) })));
}
