import type { CallToolResult, JSONRPCRequest } from '@modelcontextprotocol/server';
import { isPlainObject } from '../plain-object.js';

/** The 2025 revision that added `resource_link` content blocks and elicitation. */
const LINKS_AND_ELICITATION = '2025-06-18';
/** The revision that added titled and multi-select choices, defaults on every form field, and URL-mode elicitation. */
const FORM_VOCABULARY = '2025-11-25';
/** The revision that added `audio` content blocks. */
const AUDIO = '2025-03-26';

/**
 * The 2025-era revision a request speaks: its `MCP-Protocol-Version` header,
 * which a client sends from 2025-06-18 on; none means 2025-03-26 (as that
 * revision's transport says), or an earlier one, which reads the same here.
 */
export function legacyRevision(request: Request | undefined): string {
  return request?.headers.get('mcp-protocol-version') ?? AUDIO;
}

/** Whether a client of `revision` knows `elicitation/create` (2025-06-18 on): an earlier one is given the paused-run result at once. */
export const knowsElicitation = (revision: string): boolean => revision >= LINKS_AND_ELICITATION;

type Block = CallToolResult['content'][number];

/**
 * A result as a client of an earlier revision can read it: a `resource_link`
 * (2025-06-18) as a text block naming the link, and before 2025-03-26 an
 * `audio` block as an embedded resource. The SDK of such a client checks a
 * result's blocks against its revision's, and refused the whole result for
 * one block it does not know. Other fields a later revision added
 * (`structuredContent`, `_meta`) are extra keys, which every revision
 * allows. The same result where nothing needs changing.
 */
export function contentFor<T extends object>(revision: string, result: T): T {
  const content = (result as { content?: unknown }).content;
  if (revision >= LINKS_AND_ELICITATION || !Array.isArray(content)) return result;
  const blocks = content as Block[];
  if (!blocks.some((block) => block.type === 'resource_link' || (block.type === 'audio' && revision < AUDIO))) return result;
  return { ...result, content: blocks.map((block, i) => earlierBlock(revision, block, i)) };
}

function earlierBlock(revision: string, block: Block, index: number): Block {
  if (block.type === 'resource_link') {
    const about = [block.title ?? block.name, block.description, block.mimeType].filter((part) => typeof part === 'string' && part !== '').join(', ');
    return { type: 'text', text: about === '' ? block.uri : `${block.uri} (${about})` };
  }
  if (block.type === 'audio' && revision < AUDIO) {
    return { type: 'resource', resource: { uri: `urn:graph-mcp:audio:${index}`, mimeType: block.mimeType, blob: block.data } };
  }
  return block;
}

type Field = Record<string, unknown>;

/**
 * A question graph-mcp asks on a 2025-era stream, as a client of `revision`
 * reads it. A 2025-06-18 form knows a choice only as `enum` (titled by
 * `enumNames`) and a default only on a boolean: a titled choice is sent so,
 * and another field's default is said in its description (it is still
 * not required). A multi-select field has no earlier form and is sent as
 * it is, for a client that cannot show it to refuse the question. A
 * URL-mode question cannot be asked at all (`undefined`): the call then
 * answers with its paused run, for `resume_run`.
 */
export function questionFor<T extends Pick<JSONRPCRequest, 'method' | 'params'>>(revision: string, message: T): T | undefined {
  if (revision >= FORM_VOCABULARY || message.method !== 'elicitation/create' || !isPlainObject(message.params)) return message;
  const { mode, ...params } = message.params;
  if (mode === 'url') return undefined;
  const schema = params.requestedSchema;
  if (!isPlainObject(schema) || !isPlainObject(schema.properties)) return { ...message, params };
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, isPlainObject(field) ? earlierField(field) : field]));
  return { ...message, params: { ...params, requestedSchema: { ...schema, properties } } };
}

function earlierField(field: Field): Field {
  if (field.type === 'boolean' || field.type === 'array') return field;
  const { default: given, oneOf, ...rest } = field;
  const choices = Array.isArray(oneOf) && oneOf.length > 0 && oneOf.every((choice) => isPlainObject(choice) && typeof choice.const === 'string') ? (oneOf as Field[]) : undefined;
  const titleOf = (choice: Field) => (typeof choice.title === 'string' ? choice.title : (choice.const as string));
  const out: Field = choices
    ? { ...rest, type: 'string', enum: choices.map((choice) => choice.const), enumNames: choices.map(titleOf) }
    : oneOf === undefined
      ? rest
      : { ...rest, oneOf };
  if (given === undefined || given === null || given === '') return out;
  // A choice's default as the user sees it: its title.
  const chosen = choices?.find((choice) => choice.const === given);
  const said = `Default: ${chosen ? titleOf(chosen) : typeof given === 'string' ? given : JSON.stringify(given)}.`;
  const before = typeof out.description === 'string' ? out.description.trimEnd() : '';
  return { ...out, description: before === '' ? said : `${before}${/[.!?:;)]$/.test(before) ? '' : '.'} ${said}` };
}
