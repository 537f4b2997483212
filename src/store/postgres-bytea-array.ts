/** pg's type id of `bytea[]`. */
export const BYTEA_ARRAY_OID = 1001;

/** `"\\x`: an element in hex output, quoted, its backslash escaped. */
const HEX_ELEMENT = '"\\\\x';
const HEX_DIGITS = /^(?:[0-9a-f]{2})*$/i;

/**
 * A parser for `bytea[]` in text form (nested too), for the arrays
 * LangGraph's PostgreSQL saver reads a checkpoint's values and writes in
 * (`array_agg(array[... ::bytea, blob])`). pg's own walks the text a
 * character at a time: 3.7 s of the event loop for a 10 MB value, during
 * which the process answers nothing. This one finds each hex element's end
 * with `indexOf` and decodes it with `Buffer.from`. Anything else than
 * hex elements and NULLs (a server whose `bytea_output` is `escape`) goes
 * to `fallback`, pg's parser.
 */
export function byteaArrayParser(fallback: (text: string) => unknown): (text: string) => unknown {
  return (text) => parseHexByteaArray(text) ?? fallback(text);
}

function parseHexByteaArray(text: string): unknown[] | undefined {
  let at = 0;
  const array = (): unknown[] | undefined => {
    if (text[at] !== '{') return undefined;
    at += 1;
    const items: unknown[] = [];
    if (text[at] === '}') {
      at += 1;
      return items;
    }
    for (;;) {
      if (text[at] === '{') {
        const inner = array();
        if (inner === undefined) return undefined;
        items.push(inner);
      } else if (text.startsWith(HEX_ELEMENT, at)) {
        const end = text.indexOf('"', at + HEX_ELEMENT.length);
        if (end < 0) return undefined;
        const hex = text.slice(at + HEX_ELEMENT.length, end);
        if (!HEX_DIGITS.test(hex)) return undefined;
        items.push(Buffer.from(hex, 'hex'));
        at = end + 1;
      } else if (text.startsWith('NULL', at)) {
        items.push(null);
        at += 4;
      } else {
        return undefined;
      }
      if (text[at] === ',') {
        at += 1;
        continue;
      }
      if (text[at] !== '}') return undefined;
      at += 1;
      return items;
    }
  };
  const parsed = array();
  return parsed !== undefined && at === text.length ? parsed : undefined;
}
