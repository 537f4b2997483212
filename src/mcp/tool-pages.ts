import { ProtocolError, ProtocolErrorCode, type ListToolsResult, type Tool } from '@modelcontextprotocol/server';

const CURSOR_PREFIX = 'tools:';

/**
 * `tools/list` in pages of `pageSize` tools, each page pointing to the next
 * with an opaque `nextCursor` (MCP's pagination). A list that fits one page
 * is answered whole, without a cursor. Several callers' lists differ (access
 * rules), so a cursor names a position in the caller's own list.
 */
export function toolPages(pageSize: number): (tools: readonly Tool[], cursor: string | undefined) => ListToolsResult {
  if (!Number.isSafeInteger(pageSize) || pageSize <= 0) throw new RangeError(`pageSize must be a positive integer, got ${String(pageSize)}`);
  return (tools, cursor) => {
    const start = cursor === undefined ? 0 : offsetOf(cursor, tools.length, pageSize);
    const end = start + pageSize;
    if (start === 0 && end >= tools.length) return { tools: tools as Tool[] };
    return {
      tools: tools.slice(start, end),
      ...(end < tools.length ? { nextCursor: `${CURSOR_PREFIX}${end}` } : {}),
    };
  };
}

/** Where a cursor points; one that was never handed out is Invalid params, as the spec asks. */
function offsetOf(cursor: string, length: number, pageSize: number): number {
  const digits = cursor.startsWith(CURSOR_PREFIX) ? cursor.slice(CURSOR_PREFIX.length) : '';
  const offset = /^[1-9][0-9]{0,9}$/.test(digits) ? Number(digits) : NaN;
  // Every page begins at a multiple of the page size: another position was never handed out.
  if (!(offset < length) || offset % pageSize !== 0) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor: ${JSON.stringify(cursor.slice(0, 64))} is not a position in the tool list`);
  return offset;
}
