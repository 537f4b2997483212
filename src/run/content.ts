import { specTypeSchemas, type ContentBlock } from '@modelcontextprotocol/server';
import { bytesOfBufferJson, isMessage, messageType } from '../graphs/to-json.js';
import { scrubText, scrubValue } from './scrub.js';
import { isPlainObject } from '../plain-object.js';

/**
 * How a graph returns more than JSON: MCP content blocks (images, audio,
 * embedded resources, resource links, text) in a `content_blocks` state
 * channel, and the image, audio and file parts of the final AI message of a
 * graph with a `messages` channel (LangChain's own multimodal content).
 * Both become the tool result's `content`, in that order, validated here;
 * the JSON part of the state stays `structuredContent`.
 */
export const CONTENT_CHANNEL = 'content_blocks';

/** Default for `defaults.max_content_bytes`: decoded binary plus text of one result's content blocks. */
export const DEFAULT_MAX_CONTENT_BYTES = 8 * 1024 * 1024;

export interface ContentOptions {
  /** Largest total size, in bytes, of one result's content (decoded binary plus UTF-8 text). */
  maxBytes: number;
  /** Secrets the run was handed: scrubbed from text, refused inside binary data. */
  secrets?: readonly string[] | undefined;
}

export type ShapedContent = { ok: true; content: ContentBlock[] } | { ok: false; problem: string };

/** The raw blocks a final state offers: its content channel, then the media of its final AI message. */
export function collectContent(state: unknown, fromFinalMessage: boolean): unknown[] {
  if (state === null || typeof state !== 'object') return [];
  const record = state as Record<string, unknown>;
  const blocks: unknown[] = [];
  const channel = record[CONTENT_CHANNEL];
  if (channel !== undefined && channel !== null) blocks.push(...(Array.isArray(channel) ? channel : [channel]));
  if (fromFinalMessage) blocks.push(...finalAiMedia(record.messages));
  return blocks;
}

/**
 * The result's `content`: the graph's blocks, validated and mapped to MCP,
 * then the structured output as JSON text (the spec's advice for clients
 * that do not read `structuredContent`). When the graph returned blocks and
 * no JSON fields, the blocks stand alone.
 */
export function shapeContent(raw: readonly unknown[], structured: Record<string, unknown>, options: ContentOptions): ShapedContent {
  const blocks: ContentBlock[] = [];
  let bytes = 0;
  for (const [index, item] of raw.entries()) {
    const mapped = toMcpBlock(item);
    if (typeof mapped === 'string') return refused(`content block ${index}: ${mapped}`, options.secrets);
    const checked = checkBlock(mapped, options.secrets);
    if (typeof checked === 'string') return refused(`content block ${index} (${mapped.type}): ${checked}`, options.secrets);
    bytes += checked;
    if (bytes > options.maxBytes) {
      return { ok: false, problem: `content is larger than the limit of ${options.maxBytes} bytes (defaults.max_content_bytes)` };
    }
    blocks.push(scrubBlock(mapped, options.secrets));
  }
  if (blocks.length === 0 || Object.keys(structured).length > 0) {
    const text = JSON.stringify(structured);
    // The structured output counts too, once (as its JSON text: structuredContent is the same data).
    bytes += Buffer.byteLength(text);
    if (bytes > options.maxBytes) {
      return { ok: false, problem: `content is larger than the limit of ${options.maxBytes} bytes (defaults.max_content_bytes), structured output included` };
    }
    blocks.push({ type: 'text', text });
  }
  return { ok: true, content: blocks };
}

function refused(problem: string, secrets: readonly string[] | undefined): ShapedContent {
  return { ok: false, problem: scrubText(problem, secrets) };
}

type Json = Record<string, unknown>;


/** One raw block, MCP-shaped (not yet validated), or why it cannot be. */
function toMcpBlock(item: unknown): ContentBlock | string {
  if (typeof item === 'string') return { type: 'text', text: item };
  if (!isPlainObject(item)) return 'expected an object with a "type"';
  const type = item.type;
  switch (type) {
    case 'text':
    case 'resource_link':
      return item as unknown as ContentBlock;
    case 'resource':
      return resourceBlock(item);
    case 'image':
    case 'audio':
      return mediaBlock(type, item);
    case 'image_url':
      return imageUrlBlock(item);
    case 'file':
    case 'document':
      return fileBlock(item);
    default:
      return `unsupported type ${JSON.stringify(type)}: use text, image, audio, file, resource or resource_link`;
  }
}

/**
 * MCP (`data` + `mimeType`) and LangChain forms: standard blocks (`data` as
 * base64 or bytes, or `url`), the older `source_type` blocks (`mime_type`,
 * `data`/`url`), and Anthropic's `source` blocks. A remote URL becomes a
 * resource link.
 */
function mediaBlock(type: 'image' | 'audio', item: Json): ContentBlock | string {
  // Anthropic's form, as its chat model answers: `source: { type: 'base64', media_type, data }` or `{ type: 'url', url }`.
  const source = isPlainObject(item.source) ? item.source : undefined;
  const mimeType = stringField(item.mimeType) ?? stringField(item.mime_type) ?? stringField(source?.media_type);
  const extra = passThrough(item);
  const data = item.data ?? (item.source_type === 'base64' ? item.base64 : undefined) ?? item.base64 ?? (source?.type === 'base64' ? source.data : undefined);
  if (data !== undefined) return { type, data: base64OfBytes(data) ?? data, mimeType, ...extra } as ContentBlock;
  const url = stringField(item.url) ?? (source?.type === 'url' ? stringField(source.url) : undefined);
  if (url !== undefined) return fromUrl(type, url, mimeType, item);
  if (isProviderFile(item)) return `an ${type} known only by its provider's file id cannot be sent: give its bytes or a URL`;
  return `an ${type} block needs "data" (base64 or bytes) or "url"`;
}

/**
 * A file, as LangChain's blocks (`{ type: 'file', data | url, mimeType }`,
 * the older `source_type` form, text included), OpenAI's (`{ type: 'file',
 * file: { file_data, filename } }`) and Anthropic's (`{ type: 'document',
 * source }`) carry one: its bytes or text become an embedded resource named
 * `file:///<its file name>`, a remote URL a resource link. One known only by
 * a provider's file id cannot be sent.
 */
function fileBlock(item: Json): ContentBlock | string {
  const openAi = isPlainObject(item.file) ? item.file : undefined;
  const source = isPlainObject(item.source) ? item.source : undefined;
  const metadata = isPlainObject(item.metadata) ? item.metadata : {};
  const fileName = stringField(metadata.filename) ?? stringField(metadata.name) ?? stringField(openAi?.filename) ?? stringField(item.title) ?? stringField(metadata.title);
  const mimeType = stringField(item.mimeType) ?? stringField(item.mime_type) ?? stringField(source?.media_type);
  const extra = passThrough(item);
  const embedded = (content: { text: string } | { blob: string }, type: string | undefined): ContentBlock =>
    ({ type: 'resource', resource: { uri: `file:///${encodeURIComponent(fileName ?? 'file')}`, ...(type ? { mimeType: type } : {}), ...content }, ...extra }) as ContentBlock;

  const text = item.source_type === 'text' ? item.text : source?.type === 'text' ? source.data : undefined;
  if (text !== undefined) return typeof text === 'string' ? embedded({ text }, mimeType ?? 'text/plain') : 'a text file block needs its text as a string';
  const data = item.data ?? item.base64 ?? (source?.type === 'base64' ? source.data : undefined);
  if (data !== undefined) return embedded({ blob: base64OfBytes(data) ?? (data as string) }, mimeType);
  const url = stringField(item.url) ?? stringField(openAi?.file_data) ?? (source?.type === 'url' ? stringField(source.url) : undefined);
  if (url !== undefined) {
    const inline = dataUrl(url);
    if (typeof inline === 'string') return inline;
    if (inline !== undefined) return embedded({ blob: inline.base64 }, inline.mimeType || mimeType);
    const parsed = parsedUrl(url);
    if (parsed === null) return `"${scrubbedPreview(url)}" is not a URL`;
    return { type: 'resource_link', uri: parsed.href, name: fileName ?? linkName(parsed), ...(mimeType ? { mimeType } : {}), ...extra } as ContentBlock;
  }
  if (isProviderFile(item)) return "a file known only by its provider's file id cannot be sent: give its bytes, its text or a URL";
  return 'a file block needs "data" (base64 or bytes), "url" or its text';
}

/** A file part that names only a file stored with a model provider (nothing to send). */
function isProviderFile(item: Json): boolean {
  const openAi = isPlainObject(item.file) ? item.file : undefined;
  const source = isPlainObject(item.source) ? item.source : undefined;
  return (
    item.fileId !== undefined || item.file_id !== undefined || item.source_type === 'id' || source?.type === 'file' ||
    (openAi !== undefined && openAi.file_data === undefined && openAi.file_id !== undefined)
  );
}

/** An embedded resource whose `blob` may be given as bytes, as an image's `data` may. */
function resourceBlock(item: Json): ContentBlock {
  const resource = item.resource;
  if (!isPlainObject(resource) || resource.blob === undefined) return item as unknown as ContentBlock;
  const blob = base64OfBytes(resource.blob);
  return (blob === undefined ? item : { ...item, resource: { ...resource, blob } }) as unknown as ContentBlock;
}

/** Bytes (a Buffer or another Uint8Array, an ArrayBuffer, a stored Buffer's JSON) as base64; `undefined` for anything else. */
function base64OfBytes(value: unknown): string | undefined {
  const bytes = value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : bytesOfBufferJson(value);
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** OpenAI's `{ type: 'image_url', image_url: { url } }`, as LangChain chat models emit it. */
function imageUrlBlock(item: Json): ContentBlock | string {
  const field = item.image_url;
  const url = typeof field === 'string' ? field : isPlainObject(field) ? stringField(field.url) : undefined;
  if (url === undefined) return 'an image_url block needs image_url.url';
  return fromUrl('image', url, undefined, item);
}

function fromUrl(type: 'image' | 'audio', url: string, mimeType: string | undefined, item: Json): ContentBlock | string {
  const inline = dataUrl(url);
  if (typeof inline === 'string') return inline;
  if (inline !== undefined) {
    const given = inline.mimeType || mimeType;
    if (!given) return 'the data: URL names no media type, and the block gives no mimeType';
    return { type, mimeType: given, data: inline.base64, ...passThrough(item) } as ContentBlock;
  }
  const parsed = parsedUrl(url);
  if (parsed === null) return `"${scrubbedPreview(url)}" is not a URL`;
  const metadata = isPlainObject(item.metadata) ? item.metadata : {};
  const name = stringField(metadata.name) ?? stringField(metadata.filename) ?? linkName(parsed);
  return { type: 'resource_link', uri: parsed.href, name, ...(mimeType ? { mimeType } : {}), ...passThrough(item) } as ContentBlock;
}

/**
 * A `data:` URL's payload as base64 (percent-encoded text, an SVG written
 * inline, is encoded) and its media type (empty when it names none);
 * `undefined` for any other URL, or why it cannot be read.
 */
function dataUrl(url: string): { mimeType: string; base64: string } | string | undefined {
  // The scheme in any case, after any leading space, as a URL parser reads it.
  const match = /^\s*data:([^;,]*)((?:;[^;,]*)*),(.*)$/is.exec(url);
  if (!match) return undefined;
  const [, mimeType, parameters, payload] = match as unknown as [string, string, string, string];
  if (/;base64$/i.test(parameters)) return { mimeType, base64: payload };
  try {
    return { mimeType, base64: Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
  } catch {
    return 'a data: URL whose text is not validly percent-encoded';
  }
}

/** `url` as a URL parser reads it, or null (URL.parse, from Node 20.18 only). */
function parsedUrl(url: string): URL | null {
  return URL.canParse(url) ? new URL(url) : null;
}

/** A link's name when none is given: the last segment of its path, or the URL itself. */
function linkName(url: URL): string {
  return url.pathname.split('/').pop() || url.href;
}

/** `annotations` and `_meta` travel with a block; LangChain's own fields (`id`, `metadata`) do not. */
function passThrough(item: Json): Json {
  return {
    ...(item.annotations !== undefined ? { annotations: item.annotations } : {}),
    ...(item._meta !== undefined ? { _meta: item._meta } : {}),
  };
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function scrubbedPreview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

// type "/" subtype, RFC 6838 restricted names, optional parameters.
const MIME_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/;
// Standard alphabet, at most two padding characters at the end: what MCP's `data` and
// `blob` fields carry (with a length that is a multiple of 4: see isPaddedBase64). A plain
// character class, not a repeated group: the regex engine walks a group's repetitions
// recursively, and a few MiB of base64 overflowed the stack.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Validates one MCP block; returns its size in bytes, or what is wrong with it.
 * Its payload (text, or decoded binary) counts as its bytes, and the rest of
 * the block (URIs, names, annotations, `_meta`) as its JSON text.
 */
function checkBlock(block: ContentBlock, secrets: readonly string[] | undefined): number | string {
  const payload = checkPayload(block, secrets);
  if (typeof payload === 'string') return payload;
  // The rest against the spec's own schema for the type (the SDK's, which checks the
  // result again before it is sent: a block it refused there would be answered as the
  // caller's invalid params). The payload, checked above, is stood in for by a short one.
  const item = block as unknown as Json;
  const rest: Json = { ...item };
  let payloadField: string | undefined;
  if (block.type === 'image' || block.type === 'audio') {
    rest.data = 'AAAA';
    payloadField = 'data';
  } else if (block.type === 'text') {
    rest.text = '';
    payloadField = 'text';
  } else if (block.type === 'resource' && isPlainObject(item.resource)) {
    rest.resource = { ...item.resource, ...(typeof item.resource.text === 'string' ? { text: '' } : { blob: 'AAAA' }) };
  }
  const problem = specProblem(block.type, rest);
  if (problem !== undefined) return problem;
  if (payloadField !== undefined) delete rest[payloadField];
  let text: string;
  try {
    text = JSON.stringify(rest);
  } catch (error) {
    // A BigInt or a cycle in `_meta` or an extra field: the graph's to fix, not the server's fault.
    return `cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  return payload + Buffer.byteLength(text);
}

const SPEC_TYPES = { text: 'TextContent', image: 'ImageContent', audio: 'AudioContent', resource: 'EmbeddedResource', resource_link: 'ResourceLink' } as const;

function specProblem(type: ContentBlock['type'], block: Json): string | undefined {
  const name = SPEC_TYPES[type as keyof typeof SPEC_TYPES];
  if (name === undefined) return 'unsupported type';
  const result = specTypeSchemas[name]['~standard'].validate(block);
  if (result instanceof Promise || result.issues === undefined) return undefined;
  return result.issues
    .slice(0, 5)
    .map((issue) => {
      const at = (issue.path ?? []).map((key) => (typeof key === 'object' ? String(key.key) : String(key))).join('.');
      return at ? `${at}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** The checks that give the clearest message, and the payload's size: text as UTF-8, binary decoded. */
function checkPayload(block: ContentBlock, secrets: readonly string[] | undefined): number | string {
  const item = block as unknown as Json;
  if (item.annotations !== undefined && !isPlainObject(item.annotations)) return '"annotations" must be an object';
  if (item._meta !== undefined && !isPlainObject(item._meta)) return '"_meta" must be an object';
  switch (block.type) {
    case 'text':
      // As sent: escaped in the JSON (a control character, a lone surrogate: six bytes there).
      return typeof item.text === 'string' ? Buffer.byteLength(JSON.stringify(item.text)) - 2 : '"text" must be a string';
    case 'image':
    case 'audio': {
      const mime = checkMimeType(item.mimeType, block.type);
      if (mime) return mime;
      return checkBinary(item.data, 'data', secrets);
    }
    case 'resource': {
      const resource = item.resource;
      if (!isPlainObject(resource)) return '"resource" must be an object with "uri" and "text" or "blob"';
      if (typeof resource.uri !== 'string' || !URL.canParse(resource.uri)) return 'resource.uri must be a URI';
      if (resource.mimeType !== undefined) {
        const mime = checkMimeType(resource.mimeType, undefined);
        if (mime) return `resource.${mime}`;
      }
      if (typeof resource.text === 'string' && resource.blob === undefined) return Buffer.byteLength(resource.text);
      // An empty file is a file; an empty image or sound is not.
      if (resource.blob === '' && resource.text === undefined) return 0;
      if (resource.blob !== undefined && resource.text === undefined) return checkBinary(resource.blob, 'resource.blob', secrets);
      return 'a resource carries exactly one of "text" (a string) or "blob" (base64)';
    }
    case 'resource_link': {
      if (typeof item.uri !== 'string' || !URL.canParse(item.uri)) return '"uri" must be a URI';
      if (typeof item.name !== 'string' || item.name.length === 0) return '"name" must be a non-empty string';
      if (item.mimeType !== undefined) return checkMimeType(item.mimeType, undefined) ?? 0;
      return 0;
    }
    default:
      return 'unsupported type';
  }
}

/** Standard-alphabet, padded base64, as MCP carries binary. */
export function isPaddedBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}

function checkMimeType(value: unknown, kind: 'image' | 'audio' | undefined): string | undefined {
  if (typeof value !== 'string' || !MIME_TYPE.test(value)) return 'mimeType must be a MIME type such as "image/png"';
  if (kind !== undefined && !value.toLowerCase().startsWith(`${kind}/`)) return `mimeType must be an ${kind}/* type, got "${value}"`;
  return undefined;
}

/** Valid padded base64; its decoded size. Bytes that contain a secret the run was handed are refused, never sent. */
function checkBinary(value: unknown, field: string, secrets: readonly string[] | undefined): number | string {
  if (typeof value !== 'string' || value.length === 0 || !isPaddedBase64(value)) return `"${field}" must be non-empty, padded base64`;
  const size = (value.length / 4) * 3 - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
  if (secrets !== undefined && secrets.length > 0) {
    const bytes = Buffer.from(value, 'base64');
    if (secrets.some((secret) => secret.length >= 4 && bytes.includes(secret))) {
      return `"${field}" contains a credential the run was given; it was not sent`;
    }
  }
  return size;
}

/** Text, URIs, names and metadata are scrubbed like any other output; base64 payloads were checked instead. */
function scrubBlock(block: ContentBlock, secrets: readonly string[] | undefined): ContentBlock {
  if (secrets === undefined || secrets.length === 0) return block;
  const { data, ...rest } = block as unknown as Json;
  const scrubbed = scrubValue(rest, secrets);
  if (isPlainObject(rest.resource) && typeof rest.resource.blob === 'string') {
    const { blob, ...resource } = rest.resource;
    scrubbed.resource = { ...scrubValue(resource, secrets), blob };
  }
  return (data === undefined ? scrubbed : { ...scrubbed, data }) as unknown as ContentBlock;
}

/** Image, audio and file parts of the last AI message (its text is the `message` field already). */
function finalAiMedia(messages: unknown): unknown[] {
  if (!Array.isArray(messages)) return [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message: unknown = messages[i];
    if (isMessage(message) && messageType(message) === 'ai') {
      return Array.isArray(message.content) ? message.content.filter(isMediaPart) : [];
    }
  }
  return [];
}

const MEDIA_PARTS = new Set<unknown>(['image', 'audio', 'image_url', 'file', 'document']);

function isMediaPart(part: unknown): boolean {
  // A part that cannot be sent (one the provider keeps, by its file id; a form not known here)
  // is left out, as the message's other parts are, rather than failing the whole answer.
  return isPlainObject(part) && MEDIA_PARTS.has(part.type) && typeof toMcpBlock(part) !== 'string';
}
