import type { CallToolResult } from '@modelcontextprotocol/server';

/** The 2025 revision that added `resource_link` content blocks and elicitation. */
const LINKS_AND_ELICITATION = '2025-06-18';
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
