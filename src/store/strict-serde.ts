import { JsonPlusSerializer, type SerializerProtocol } from '@langchain/langgraph-checkpoint';
import { GraphMcpError } from '../errors.js';

/**
 * What LangGraph's serializer writes, in place of the value, for a value
 * `JSON.stringify` throws on (a BigInt, a structure it cannot flatten).
 */
const PLACEHOLDER = new TextEncoder().encode(JSON.stringify('[unable to serialize, circular reference is too complex to analyze]'));

/**
 * LangGraph's checkpoint serializer, refusing what it cannot store instead
 * of storing a placeholder. LangGraph's writes the text above for a value
 * JSON cannot hold, and says nothing: a paused run whose state held a BigInt
 * was stored as that text, and every answer then started it again from the
 * beginning, to ask the same question for ever. Refused, the run ends with
 * an error that names the reason (`STATE_NOT_STORABLE`).
 */
export class StrictSerializer implements SerializerProtocol {
  constructor(private readonly inner: SerializerProtocol = new JsonPlusSerializer()) {}

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    const [type, bytes] = await this.inner.dumpsTyped(data);
    if (type === 'json' && isPlaceholder(bytes)) throw new GraphMcpError('STATE_NOT_STORABLE', `the run's state cannot be stored: ${whyNotJson(data)}`);
    return [type, bytes];
  }

  loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    return this.inner.loadsTyped(type, data);
  }
}

function isPlaceholder(bytes: Uint8Array): boolean {
  if (bytes.length !== PLACEHOLDER.length) return false;
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i] !== PLACEHOLDER[i]) return false;
  return true;
}

/** JSON's own reason ("Do not know how to serialize a BigInt"), found again on this rare path. */
function whyNotJson(data: unknown): string {
  try {
    JSON.stringify(data);
    return 'a value JSON cannot hold';
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0]! : 'a value JSON cannot hold';
  }
}
