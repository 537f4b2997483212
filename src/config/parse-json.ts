import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { GraphMcpError } from '../errors.js';

/**
 * Parses config text. Comments and trailing commas are allowed (the file is
 * edited by hand); a duplicate key is an error, since JSON.parse would keep
 * the last one silently and a graph would vanish.
 */
export function parseConfigText(given: string, source: string): unknown {
  // A byte-order mark, as Windows editors write one, is not part of the JSON.
  const text = given.charCodeAt(0) === 0xfeff ? given.slice(1) : given;
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined || tree === undefined) {
    const at = first ? ` at ${position(text, first.offset)}` : '';
    throw new GraphMcpError('CONFIG_INVALID', `${source}: not valid JSON${at}: ${first ? printParseErrorCode(first.error) : 'empty file'}`);
  }
  const duplicate = findDuplicateKey(tree, []);
  if (duplicate !== undefined) {
    throw new GraphMcpError(
      'CONFIG_INVALID',
      `${source}: ${duplicate.path.join('.') || '(top level)'}: duplicate key "${duplicate.key}" at ${position(text, duplicate.offset)}`,
    );
  }
  return getNodeValue(tree) as unknown;
}

function findDuplicateKey(node: Node, path: string[]): { path: string[]; key: string; offset: number } | undefined {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (keyNode === undefined) continue;
      const key = String(keyNode.value);
      if (seen.has(key)) return { path, key, offset: keyNode.offset };
      seen.add(key);
      if (valueNode) {
        const found = findDuplicateKey(valueNode, [...path, key]);
        if (found) return found;
      }
    }
  } else if (node.type === 'array') {
    for (const [index, child] of (node.children ?? []).entries()) {
      const found = findDuplicateKey(child, [...path, String(index)]);
      if (found) return found;
    }
  }
  return undefined;
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
