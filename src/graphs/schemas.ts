import { getInputTypeSchema, getOutputTypeSchema } from '@langchain/langgraph/zod/schema';
import { GraphMcpError, messageOf } from '../errors.js';
import { isPlainObject } from '../plain-object.js';
import type { RunnableGraph } from './resolve-graph.js';

export type JsonSchema = Record<string, unknown>;

/**
 * Turns a schema export into JSON Schema without relying on *our* copy of
 * zod: a zod 4 schema converts itself (`schema.toJSONSchema()`), a zod 3
 * schema goes through `@langchain/core`'s converter, and a plain JSON Schema
 * object is taken as is.
 */
export async function schemaExportToJsonSchema(value: unknown, io: 'input' | 'output', what: string): Promise<JsonSchema> {
  if (value !== null && typeof value === 'object') {
    const candidate = value as { toJSONSchema?: unknown; _def?: unknown; safeParse?: unknown };
    if (typeof candidate.toJSONSchema === 'function') {
      try {
        return (candidate.toJSONSchema as (options: unknown) => JsonSchema)({ io, unrepresentable: 'any' });
      } catch (cause) {
        throw new GraphMcpError('SCHEMA_INVALID', `${what}: cannot convert the zod schema to JSON Schema: ${messageOf(cause)}`, { cause });
      }
    }
    if (candidate._def !== undefined && typeof candidate.safeParse === 'function') {
      const { toJsonSchema } = await import('@langchain/core/utils/json_schema');
      return toJsonSchema(value as Parameters<typeof toJsonSchema>[0]) as JsonSchema;
    }
    if ('type' in value || 'properties' in value || '$ref' in value || 'anyOf' in value) return value as JsonSchema;
  }
  throw new GraphMcpError('SCHEMA_INVALID', `${what}: expected a zod schema or a JSON Schema object`);
}

interface StateBuilder {
  _schemaDefinition?: unknown;
  _inputDefinition?: unknown;
  _outputDefinition?: unknown;
  _inputRuntimeDefinition?: unknown;
  _outputRuntimeDefinition?: unknown;
  _schemaRuntimeDefinition?: unknown;
}

/**
 * The graph's own input schema. LangGraph reports every input field as
 * optional (input is a partial state update); when the graph declares a
 * separate zod input schema, the fields that schema does not let be
 * undefined are marked required again.
 */
export function graphInputSchema(graph: RunnableGraph): JsonSchema | undefined {
  return withoutFieldSchemaKeys(inputSchemaOf(declaring(graph)));
}

/**
 * The graph that declares the schemas: a binding's (`.withRetry()`, which
 * has no builder of its own) is the graph it calls; listed as the binding,
 * its tool took any object and said nothing of its output.
 */
function declaring(graph: RunnableGraph): RunnableGraph {
  const bound = (graph as { bound?: unknown }).bound;
  return graph.builder === undefined && bound !== null && typeof bound === 'object' && (bound as RunnableGraph).builder !== undefined ? (bound as RunnableGraph) : graph;
}

function inputSchemaOf(graph: RunnableGraph): JsonSchema | undefined {
  const builder = graph.builder as StateBuilder | undefined;
  const derived = safely(() => getInputTypeSchema(graph as never) as JsonSchema | undefined);
  // Input is a partial update: no field of the state is required on its own.
  const schema = derived ?? withoutRequired(zod4Schema(builder?._inputRuntimeDefinition, 'input') ?? zod4Schema(builder?._schemaRuntimeDefinition, 'input')) ?? channelsSchema(builder?._inputDefinition);
  if (schema === undefined) return undefined;
  const declared = builder?._inputRuntimeDefinition;
  if (declared !== undefined && declared !== builder?._schemaRuntimeDefinition) {
    const required = requiredZodKeys(declared);
    if (required.length > 0) return { ...schema, required };
  }
  return schema;
}

/**
 * The graph's own output schema. A graph without a separate output schema
 * returns its whole state, in which a field the run never wrote is simply
 * absent, whatever the state's type says: no field is required then (a
 * separate output schema is the graph's promise, and keeps its `required`).
 */
export function graphOutputSchema(graph: RunnableGraph): JsonSchema | undefined {
  const declared = declaring(graph);
  return withoutFieldSchemaKeys(withEveryOutputChannel(outputSchemaOf(declared), declared));
}

function outputSchemaOf(graph: RunnableGraph): JsonSchema | undefined {
  const builder = graph.builder as StateBuilder | undefined;
  const derived = safely(() => getOutputTypeSchema(graph as never) as JsonSchema | undefined);
  const schema = derived ?? zod4Schema(builder?._outputRuntimeDefinition, 'output') ?? channelsSchema(builder?._outputDefinition);
  if (schema === undefined || builder === undefined) return schema;
  if (builder._outputDefinition === builder._schemaDefinition) return withoutRequired(schema);
  // A separate output schema keeps its `required`, less the fields that may be left
  // undefined: zod's output view requires a field with a `.default()` (parsing would
  // fill it in), but LangGraph does not parse the final state, and a field no node
  // wrote is absent from it.
  const declared = builder._outputRuntimeDefinition;
  if (!Array.isArray(schema.required) || !hasShape(declared)) return schema;
  const mayBeUndefined = new Set(optionalZodKeys(declared));
  const required = (schema.required as unknown[]).filter((key) => typeof key !== 'string' || !mayBeUndefined.has(key));
  if (required.length === schema.required.length) return schema;
  if (required.length > 0) return { ...schema, required };
  return withoutRequired(schema);
}

/**
 * The channels of a separate output declaration that LangGraph's converter
 * leaves out, which the run returns all the same (an `UntrackedValue`
 * declared without a schema, as createAgent's `structuredResponse` with a
 * `responseFormat`): open fields. Only a separate output says what the graph
 * means to return; in a whole state, such a channel holds what is not to be
 * kept (a client, a handle), and stays out.
 */
function withEveryOutputChannel(schema: JsonSchema | undefined, graph: RunnableGraph): JsonSchema | undefined {
  const properties = propertiesOf(schema);
  // The builder's, as the graph declared them: an agent's wrapper (createAgent) has no `outputChannels` of its own.
  const builder = graph.builder as StateBuilder | undefined;
  const definition = builder?._outputDefinition;
  if (properties === undefined || !isPlainObject(definition) || definition === builder?._schemaDefinition) return schema;
  const channels = Object.keys(definition);
  const missing = channels.filter((name): name is string => typeof name === 'string' && !name.startsWith('__') && !(name in properties));
  if (missing.length === 0) return schema;
  return { ...schema, properties: { ...properties, ...Object.fromEntries(missing.map((name) => [name, {}])) } };
}

/**
 * LangGraph's converter gives each field of a `StateSchema` a `$schema` of
 * its own (draft-07), which JSON Schema allows only at a schema's root: it
 * moves there, so the fields are still read in their own dialect.
 */
function withoutFieldSchemaKeys(schema: JsonSchema | undefined): JsonSchema | undefined {
  const properties = propertiesOf(schema);
  if (properties === undefined || !Object.values(properties).some((field) => isPlainObject(field) && '$schema' in field)) return schema;
  const dialects = new Set<unknown>();
  const fields = Object.entries(properties).map(([name, field]) => {
    if (!isPlainObject(field) || !('$schema' in field)) return [name, field];
    const { $schema, ...rest } = field;
    dialects.add($schema);
    return [name, rest];
  });
  const [dialect] = dialects;
  const root = schema!.$schema === undefined && dialects.size === 1 && typeof dialect === 'string' ? { $schema: dialect } : {};
  return { ...root, ...schema, properties: Object.fromEntries(fields) };
}

/**
 * A zod 4 state converted by zod itself, a type with no JSON Schema form
 * (a Date, a bigint) left open: the fallback when LangGraph's converter,
 * which refuses such a type, throws, so that the other fields keep their
 * types. `undefined` for anything else (zod 3: the channels, untyped).
 */
function zod4Schema(definition: unknown, io: 'input' | 'output'): JsonSchema | undefined {
  const convert = (definition as { toJSONSchema?: unknown } | null | undefined)?.toJSONSchema;
  if (typeof convert !== 'function') return undefined;
  return safely(() => (convert as (options: unknown) => JsonSchema).call(definition, { io, unrepresentable: 'any' }));
}

function withoutRequired(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema === undefined) return undefined;
  const { required: _required, ...optional } = schema;
  return optional;
}

/** An `Annotation.Root` state carries no types: each channel becomes a field of any type. */
function channelsSchema(definition: unknown): JsonSchema | undefined {
  if (definition === null || typeof definition !== 'object') return undefined;
  const keys = Object.keys(definition);
  if (keys.length === 0) return undefined;
  return { type: 'object', properties: Object.fromEntries(keys.map((key) => [key, {}])) };
}

/** The keys of a zod object schema whose field does not accept `undefined`. */
function requiredZodKeys(schema: unknown): string[] {
  return zodFields(schema)
    .filter(([, field]) => typeof field?.safeParse === 'function' && !field.safeParse(undefined).success)
    .map(([key]) => key);
}

/** The keys of a zod object schema whose field accepts `undefined` (optional, or with a default). */
function optionalZodKeys(schema: unknown): string[] {
  return zodFields(schema)
    .filter(([, field]) => typeof field?.safeParse === 'function' && field.safeParse(undefined).success)
    .map(([key]) => key);
}

function hasShape(schema: unknown): boolean {
  const shape = (schema as { shape?: unknown } | null | undefined)?.shape;
  return shape !== null && typeof shape === 'object';
}

function zodFields(schema: unknown): Array<[string, { safeParse?: (v: unknown) => { success: boolean } } | undefined]> {
  const shape = (schema as { shape?: unknown } | null | undefined)?.shape;
  if (shape === null || typeof shape !== 'object') return [];
  return Object.entries(shape as Record<string, { safeParse?: (v: unknown) => { success: boolean } }>);
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export function propertiesOf(schema: JsonSchema | undefined): Record<string, unknown> | undefined {
  const properties = schema?.properties;
  return properties !== null && typeof properties === 'object' ? (properties as Record<string, unknown>) : undefined;
}

/** The tool-facing `message` field that stands in for a graph's `messages` channel. */
export const MESSAGE_INPUT_FIELD = {
  type: 'string',
  description: 'The message to send to the agent.',
} as const;

export const MESSAGE_OUTPUT_FIELD = {
  type: 'string',
  description: "The text of the agent's final message.",
} as const;

/** Replaces a `messages` channel with a plain `message` string, keeping any other fields. */
export function withMessageField(schema: JsonSchema, field: JsonSchema, required: boolean): JsonSchema {
  const { messages: _messages, ...rest } = propertiesOf(schema) ?? {};
  const otherRequired = Array.isArray(schema.required) ? (schema.required as string[]).filter((key) => key !== 'messages') : [];
  const { $schema: _s, ...base } = schema;
  return {
    ...base,
    type: 'object',
    properties: { message: field, ...rest },
    ...(required || otherRequired.length > 0 ? { required: required ? ['message', ...otherRequired] : otherRequired } : {}),
  };
}
