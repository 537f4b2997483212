import type { Tool, ToolAnnotations } from '@modelcontextprotocol/server';
import { GraphMcpError, messageOf } from '../errors.js';
import { isPlainRecord } from '../plain-object.js';
import { TOOL_NAME_PATTERN } from '../config/schema.js';
import type { AccessRule } from '../auth/access.js';
import { graphLayers, type RunnableGraph } from './resolve-graph.js';
import {
  MESSAGE_INPUT_FIELD,
  MESSAGE_OUTPUT_FIELD,
  propertiesOf,
  withMessageField,
  type JsonSchema,
} from './schemas.js';
import { isMessage, messageText, messageType, toPlainJson } from './to-json.js';
import { collectContent, CONTENT_CHANNEL, DEFAULT_MAX_CONTENT_BYTES } from '../run/content.js';
import { compileValidator, type Validator } from './validator.js';

/** A checkpointer a graph was compiled with: LangGraph's savers all delete a thread (a custom one may not). */
export interface OwnCheckpointer {
  deleteThread?(threadId: string): Promise<void>;
  getTuple?(config: { configurable: Record<string, unknown> }): Promise<unknown>;
}

/** A graph ready to serve as one MCP tool; built once at start-up. */
export interface GraphTool {
  readonly name: string;
  /** Exactly what `tools/list` shows. */
  readonly definition: Tool;
  readonly graph: RunnableGraph;
  /**
   * A runnable that is no LangGraph graph (a chain, a `RunnableLambda`): its
   * stream is its own chunks, not LangGraph's modes, so it is invoked.
   */
  readonly plainRunnable: boolean;
  /** The checkpointer the graph was compiled with, if any: it keeps its checkpoints there, not in graph-mcp's store. */
  readonly ownCheckpointer: OwnCheckpointer | undefined;
  /**
   * Compiled with `checkpointer: false`: LangGraph keeps no checkpoint of it,
   * not even in a checkpointer lent to the run, so it cannot pause (its
   * `interrupt()` would ask a question whose answer could never be used).
   */
  readonly keepsNoCheckpoints: boolean;
  readonly timeoutMs: number;
  readonly recursionLimit: number;
  /** LangGraph's runtime context for every run (a copy each), when the graph takes one. */
  readonly context: Record<string, unknown> | undefined;
  /** Whether a call may run as a background task. */
  readonly task: 'never' | 'optional' | 'required';
  /**
   * Nodes where a task begins, for a 2026-07-28 caller that takes tasks: the
   * run starts in the call (asking its questions there) and becomes a task
   * when it reaches one. `undefined`: the task begins at once.
   */
  readonly taskStartsAt: readonly string[] | undefined;
  /** For callers that cannot poll tasks: how long a call may run before it answers with a run handle. */
  readonly maxWaitMs: number;
  /** Node completions per run when fixed by the graph's shape (a straight line), for progress `total`. */
  readonly progressTotal: number | undefined;
  /** Scopes the caller must hold; empty for none. */
  readonly requiredScopes: readonly string[];
  /** The project's extra access rule (`access.path`), if any. */
  readonly accessRule: AccessRule | undefined;
  /** Client capabilities a 2026-07-28 caller must declare to call this tool. */
  readonly requiredClientCapabilities: Record<string, Record<string, unknown>> | undefined;
  /** Largest content (decoded binary plus text) one result may carry. */
  readonly maxContentBytes: number;
  /**
   * What the config's `input_schema` / `output_schema` ask that the graph's
   * own channels cannot give (warned about at start-up): a field the
   * graph's input has no channel for, which LangGraph drops; an output
   * field required that the graph's output has none for, which fails every
   * call. Empty when the schemas are the graph's own, or it declares none.
   */
  readonly schemaMismatches: readonly string[];
  /** Checks a call's arguments, setting in them the defaults the input schema declares for missing properties. */
  validateArguments: Validator;
  validateOutput: Validator;
  /** Tool arguments -> graph input. */
  toGraphInput(args: Record<string, unknown>): unknown;
  /** Final graph state -> structured tool output (plain JSON, limited to the output schema). */
  fromGraphOutput(state: unknown): Record<string, unknown>;
  /** Final graph state -> raw content blocks: the `content_blocks` channel, then the final AI message's media. */
  contentOf(state: unknown): unknown[];
}

export interface GraphToolSpec {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  annotations?: ToolAnnotations | undefined;
  graph: RunnableGraph;
  timeoutMs: number;
  recursionLimit: number;
  context?: Record<string, unknown> | undefined;
  task?: 'never' | 'optional' | 'required';
  taskStartsAt?: readonly string[] | undefined;
  maxWaitMs?: number;
  requiredScopes?: readonly string[];
  accessRule?: AccessRule | undefined;
  requiredClientCapabilities?: Record<string, Record<string, unknown>> | undefined;
  /** @default DEFAULT_MAX_CONTENT_BYTES */
  maxContentBytes?: number;
  /** The tool's input schema, and where it came from (`config` wins over `graph`). */
  inputSchema: JsonSchema | undefined;
  inputSource: 'config' | 'graph';
  outputSchema: JsonSchema | undefined;
  outputSource: 'config' | 'graph';
  /** The graph's own input/output fields, used to map a `message` field onto a `messages` channel. */
  graphInputFields: readonly string[];
  graphOutputFields: readonly string[];
}


const ANY_OBJECT: JsonSchema = { type: 'object' };

/** `execution.taskSupport` in tools/list, by the graph's task mode. */
const TASK_SUPPORT = { never: 'forbidden', optional: 'optional', required: 'required' } as const;

/** See `GraphTool.schemaMismatches`. */
function schemaMismatches(spec: GraphToolSpec, inputSchema: JsonSchema, outputSchema: JsonSchema, messageIn: boolean, messageOut: boolean): string[] {
  const said: string[] = [];
  const named = (fields: readonly string[]) => fields.map((field) => `"${field}"`).join(', ');
  if (spec.inputSource === 'config' && spec.graphInputFields.length > 0) {
    const channels = new Set([...spec.graphInputFields, ...(messageIn ? [MESSAGE_INPUT_FIELD] : [])]);
    const foreign = Object.keys(propertiesOf(inputSchema) ?? {}).filter((field) => !channels.has(field));
    if (foreign.length > 0) {
      said.push(`its input_schema names ${named(foreign)}, which the graph's input has no channel for (it has ${named(spec.graphInputFields)}): LangGraph drops such a field, and the graph never sees it`);
    }
  }
  if (spec.outputSource === 'config' && spec.graphOutputFields.length > 0) {
    const channels = new Set([...spec.graphOutputFields, ...(messageOut ? [MESSAGE_OUTPUT_FIELD] : [])]);
    const required = Array.isArray(outputSchema.required) ? (outputSchema.required as unknown[]).filter((field): field is string => typeof field === 'string') : [];
    const missing = required.filter((field) => !channels.has(field));
    if (missing.length > 0) {
      said.push(`its output_schema requires ${named(missing)}, which the graph's output has no channel for (it has ${named(spec.graphOutputFields)}): every call would fail with OUTPUT_INVALID`);
    }
  }
  return said;
}

export function buildGraphTool(spec: GraphToolSpec): GraphTool {
  const what = `graph "${spec.name}"`;
  if (!TOOL_NAME_PATTERN.test(spec.name)) {
    throw new GraphMcpError(
      'TOOL_NAME_INVALID',
      `${what}: "${spec.name}" is not a valid MCP tool name (1 to 128 of A-Z a-z 0-9 _ . -)`,
    );
  }

  // A graph's `messages` channel is offered to callers as a plain `message`
  // string. A schema from config opts in by naming `message` (not `messages`).
  // A graph with a `message` channel of its own keeps both as they are.
  const inputFromGraph = spec.inputSource === 'graph';
  let inputSchema = withRefDefaults(objectRoot(spec.inputSchema ?? ANY_OBJECT, `${what}: input schema`));
  // Content blocks are the graph's to return, not the caller's to send or read as JSON.
  if (inputFromGraph) inputSchema = withoutField(inputSchema, CONTENT_CHANNEL);
  const messageIn = spec.graphInputFields.includes('messages') && !spec.graphInputFields.includes('message') && (inputFromGraph || namesMessageNotMessages(inputSchema));
  if (messageIn && inputFromGraph) inputSchema = withMessageField(inputSchema, MESSAGE_INPUT_FIELD, true);

  const outputFromGraph = spec.outputSource === 'graph';
  let outputSchema = objectRoot(spec.outputSchema ?? ANY_OBJECT, `${what}: output schema`);
  // The channel goes out as the result's content blocks, never in its structured output: a config's
  // schema naming it (and requiring it) would fail every call, so it is left out, and said to be.
  const configNamesBlocks = !outputFromGraph && propertiesOf(outputSchema)?.[CONTENT_CHANNEL] !== undefined;
  outputSchema = withoutField(outputSchema, CONTENT_CHANNEL);
  const messageOut = spec.graphOutputFields.includes('messages') && !spec.graphOutputFields.includes('message') && (outputFromGraph || namesMessageNotMessages(outputSchema));
  if (messageOut && outputFromGraph) outputSchema = withMessageField(outputSchema, MESSAGE_OUTPUT_FIELD, true);

  const outputKeys = Object.keys(propertiesOf(outputSchema) ?? {});
  const definition: Tool = {
    name: spec.name,
    ...(spec.title ? { title: spec.title } : {}),
    description: spec.description ?? `Runs the LangGraph graph "${spec.name}".`,
    inputSchema: withPortableTuples(inputSchema) as Tool['inputSchema'],
    outputSchema: withPortableTuples(outputSchema) as NonNullable<Tool['outputSchema']>,
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
    execution: { taskSupport: TASK_SUPPORT[spec.task ?? 'optional'] },
  };

  return {
    name: spec.name,
    definition,
    graph: spec.graph,
    ownCheckpointer: ownCheckpointerOf(spec.graph),
    keepsNoCheckpoints: compiledCheckpointer(spec.graph) === false,
    plainRunnable: !isLangGraph(spec.graph),
    timeoutMs: spec.timeoutMs,
    recursionLimit: spec.recursionLimit,
    context: spec.context,
    task: spec.task ?? 'optional',
    taskStartsAt: taskStartsAt(spec, what),
    maxWaitMs: spec.maxWaitMs ?? 45_000,
    progressTotal: straightLineLength(spec.graph),
    requiredScopes: spec.requiredScopes ?? [],
    accessRule: spec.accessRule,
    requiredClientCapabilities: spec.requiredClientCapabilities,
    maxContentBytes: spec.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES,
    validateArguments: refusingContentChannel(
      compileValidator(inputSchema, `${what}: input schema`, { fillDefaults: true }),
      // The graph has the channel, and the schema shown does not offer it (a config's that names it means it).
      spec.graphInputFields.includes(CONTENT_CHANNEL) && propertiesOf(inputSchema)?.[CONTENT_CHANNEL] === undefined,
    ),
    validateOutput: compileValidator(outputSchema, `${what}: output schema`),
    toGraphInput(args) {
      if (!messageIn) return args;
      const { message, ...rest } = args;
      return { ...rest, messages: [{ role: 'user', content: String(message) }] };
    },
    fromGraphOutput(state) {
      // A graph's state is a plain record. Whatever else a graph returns (an entrypoint's array, Date,
      // Map or message) is the one `result`, as a string or a number is, not read field by field;
      // unless the output schema names fields to read off it (a chain's message, a class instance).
      const record = isPlainRecord(state) || (outputKeys.length > 0 && state !== null && typeof state === 'object' && !Array.isArray(state)) ? (state as Record<string, unknown>) : { result: state };
      const out: Record<string, unknown> = {};
      if (messageOut) out.message = finalAiText(record.messages);
      const keys = outputKeys.length > 0 ? outputKeys : Object.keys(record);
      for (const key of keys) {
        if (key === 'message' && messageOut) continue;
        if ((messageOut && key === 'messages') || key === CONTENT_CHANNEL) continue;
        if (key in record) {
          let value: unknown;
          try {
            value = toPlainJson(record[key]);
          } catch (error) {
            throw new Error(`${key}: ${messageOf(error)}`, { cause: error });
          }
          if (value !== undefined) out[key] = value;
        }
      }
      return out;
    },
    contentOf: (state) => collectContent(state, messageOut),
    schemaMismatches: [
      ...schemaMismatches(spec, inputSchema, outputSchema, messageIn, messageOut),
      ...(configNamesBlocks ? [`its output_schema names "${CONTENT_CHANNEL}", which graph-mcp sends as the content blocks of the result, never in its structured output: it is left out of the schema`] : []),
    ],
  };
}

/**
 * A graph's `content_blocks` channel is left out of the input schema shown,
 * but an open schema would still let a caller send it, and put blocks of
 * their own in the graph's result: refused by name.
 */
function refusingContentChannel(validate: Validator, refuse: boolean): Validator {
  if (!refuse) return validate;
  return (value) => {
    const problems = validate(value);
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, CONTENT_CHANNEL)) {
      return [`${CONTENT_CHANNEL}: the graph's own output (the result's content), not an argument`, ...problems];
    }
    return problems;
  };
}

/** `task_starts_at`, checked against the graph: nodes it has, on a graph that may run as a task. */
function taskStartsAt(spec: GraphToolSpec, what: string): readonly string[] | undefined {
  const nodes = spec.taskStartsAt;
  if (nodes === undefined) return undefined;
  if (spec.task === 'never') {
    throw new GraphMcpError('CONFIG_INVALID', `${what}: graphs.${spec.name}.task_starts_at names where a task begins, but the graph never runs as a task (task "never")`);
  }
  const known = Object.keys(spec.graph.nodes ?? {}).filter((name) => !name.startsWith('__'));
  const unknown = nodes.filter((node) => !known.includes(node));
  if (unknown.length > 0) {
    throw new GraphMcpError('CONFIG_INVALID', `${what}: graphs.${spec.name}.task_starts_at names ${unknown.map((n) => `"${n}"`).join(', ')}, not a node of the graph (its nodes: ${known.join(', ')})`);
  }
  return nodes;
}

/** LangGraph's (its nodes), also under an agent's wrapper (`createAgent`) or a binding (`.withRetry()`), or a `RemoteGraph`. */
function isLangGraph(graph: RunnableGraph): boolean {
  if (typeof (graph as { graphId?: unknown }).graphId === 'string') return true;
  return graphLayers(graph).some((layer) => {
    const nodes = (layer as { nodes?: unknown }).nodes;
    return nodes !== null && typeof nodes === 'object';
  });
}

/** What the graph was compiled with as its `checkpointer` (a saver, or `false`), also under a binding (`.withRetry()`). */
function compiledCheckpointer(graph: RunnableGraph): unknown {
  for (const layer of graphLayers(graph)) {
    const checkpointer = (layer as { checkpointer?: unknown }).checkpointer;
    if (checkpointer !== undefined && checkpointer !== null) return checkpointer;
  }
  return undefined;
}

function ownCheckpointerOf(graph: RunnableGraph): OwnCheckpointer | undefined {
  const checkpointer = compiledCheckpointer(graph);
  return typeof checkpointer === 'object' ? (checkpointer as OwnCheckpointer) : undefined;
}

function withoutField(schema: JsonSchema, field: string): JsonSchema {
  const properties = propertiesOf(schema);
  if (properties === undefined || !(field in properties)) return schema;
  const { [field]: _dropped, ...rest } = properties;
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((key) => key !== field) : undefined;
  return { ...schema, properties: rest, ...(required ? { required } : {}) };
}

function namesMessageNotMessages(schema: JsonSchema): boolean {
  const properties = propertiesOf(schema);
  return properties?.message !== undefined && properties.messages === undefined;
}

function objectRoot(given: JsonSchema, what: string): JsonSchema {
  const schema = inlineRootRef(given);
  if (schema.type !== undefined && schema.type !== 'object') {
    throw new GraphMcpError('SCHEMA_INVALID', `${what}: MCP requires an object schema at the root (got type ${JSON.stringify(schema.type)})`);
  }
  return schema.type === 'object' ? schema : { ...schema, type: 'object' };
}

/**
 * `{"$ref": "#/$defs/X", "$defs": {...}}` (what zod 4 makes of a schema with
 * `.meta({ id })`) as X itself at the root, its definitions kept for the refs
 * inside it: MCP wants the object, and its properties, at the root, and the
 * result is shaped by those properties.
 */
function inlineRootRef(schema: JsonSchema): JsonSchema {
  const target = localRefTarget(schema, schema);
  if (target === undefined) return schema;
  const { $ref: _ref, ...rest } = schema;
  return { ...rest, ...target };
}

/** What a local `$ref` (`#/$defs/X`, `#/definitions/X`) in `node` points at, in the root schema. */
function localRefTarget(node: JsonSchema, root: JsonSchema): JsonSchema | undefined {
  const ref = node.$ref;
  if (typeof ref !== 'string') return undefined;
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (match === null) return undefined;
  const definitions = root[match[1]!];
  const name = decodeURIComponent(match[2]!).replace(/~1/g, '/').replace(/~0/g, '~');
  const target = definitions !== null && typeof definitions === 'object' ? (definitions as Record<string, unknown>)[name] : undefined;
  return target !== null && typeof target === 'object' && !Array.isArray(target) ? (target as JsonSchema) : undefined;
}

const VALUE_KEYWORDS = new Set(['default', 'const', 'enum', 'examples']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/**
 * A JSON Schema copied with `change` applied to each schema in it, deepest
 * first: the keys of a map of named schemas (`properties`, `$defs`) are
 * names, not keywords; values (`default`, `const`, `enum`, `examples`), and
 * the keywords in `keep`, are left as they are. `property` is applied to
 * each schema under `properties` (after `change`).
 */
function mapSchema(
  schema: JsonSchema,
  change: (node: JsonSchema) => JsonSchema,
  options: { keep?: ReadonlySet<string>; property?: (node: unknown) => unknown } = {},
): JsonSchema {
  const visit = (node: unknown, depth: number, map?: string): unknown => {
    if (node === null || typeof node !== 'object' || depth > 64) return node;
    if (Array.isArray(node)) return node.map((item) => visit(item, depth + 1));
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node as JsonSchema)) {
      let kept: unknown;
      if (map !== undefined) {
        kept = visit(value, depth + 1);
        if (map === 'properties' && options.property) kept = options.property(kept);
      } else if (VALUE_KEYWORDS.has(key) || options.keep?.has(key)) kept = value;
      else kept = visit(value, depth + 1, SCHEMA_MAPS.has(key) ? key : undefined);
      // `__proto__` a name like any other, not the copy's prototype.
      Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true });
    }
    return map !== undefined ? out : change(out);
  };
  return visit(schema, 0) as JsonSchema;
}

/**
 * A 2020-12 tuple (`prefixItems`, as zod 4 writes one) as 2025-era clients
 * read it too: they check schemas as draft-07, where `prefixItems` means
 * nothing and `items` applies to every element, so `items: false` refused
 * every tuple (the v1 SDK client, and MultiServerMCPClient through it, threw
 * on each result holding one). `items: false` becomes `maxItems`, the same
 * constraint in both drafts; a tuple's rest schema (`items` beside
 * `prefixItems`) is left out of what is shown, since a draft-07 reader would
 * apply it to the leading elements too. The schema graph-mcp checks with
 * keeps both. A schema that declares an older draft is its own dialect and
 * is left as it is.
 */
export function withPortableTuples(schema: JsonSchema): JsonSchema {
  if (typeof schema.$schema === 'string' && /json-schema\.org\/draft-0[4-7]\/schema/.test(schema.$schema)) return schema;
  const portable = (node: JsonSchema): JsonSchema => {
    const prefix = node.prefixItems;
    if (!Array.isArray(prefix) || !('items' in node)) return node;
    const { items, ...rest } = node;
    if (items !== false) return rest;
    const max = typeof rest.maxItems === 'number' ? Math.min(rest.maxItems, prefix.length) : prefix.length;
    return { ...rest, maxItems: max };
  };
  // A `not` stays as written: a looser schema under it would refuse more, not less.
  return mapSchema(schema, portable, { keep: new Set(['not']) });
}

/**
 * A property whose schema is a local `$ref` to a definition with a `default`
 * (what zod 4 makes of `.default(v).meta({ id })`) gets that `default` beside
 * its `$ref`: ajv fills in a default only where `properties` names it, never
 * through a `$ref`, and a caller reading the schema sees it there too.
 */
export function withRefDefaults(schema: JsonSchema): JsonSchema {
  const withDefaultFromRef = (property: unknown): unknown => {
    if (property === null || typeof property !== 'object' || Array.isArray(property)) return property;
    let node = property as JsonSchema;
    if ('default' in node) return node;
    // A chain of refs, followed a few steps (a cycle has no default to find).
    for (let step = 0; step < 8; step += 1) {
      const target = localRefTarget(node, schema);
      if (target === undefined) return property;
      if ('default' in target) return { ...(property as JsonSchema), default: target.default };
      node = target;
    }
    return property;
  };
  return mapSchema(schema, (node) => node, { property: withDefaultFromRef });
}

function finalAiText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message: unknown = messages[i];
    if (isMessage(message) && messageType(message) === 'ai') return messageText(message);
  }
  return '';
}

/**
 * When every node has one way out and no branch can loop, each node runs
 * exactly once, so the run's length is known before it starts.
 */
function straightLineLength(graph: RunnableGraph): number | undefined {
  try {
    const drawable = (graph as unknown as { getGraph(): { nodes: Record<string, unknown>; edges: Array<{ source: string; target: string; conditional?: boolean }> } }).getGraph();
    const nodes = Object.keys(drawable.nodes).filter((id) => id !== '__start__' && id !== '__end__');
    const outDegree = new Map<string, number>();
    for (const edge of drawable.edges) {
      if (edge.conditional) return undefined;
      outDegree.set(edge.source, (outDegree.get(edge.source) ?? 0) + 1);
    }
    if ((outDegree.get('__start__') ?? 0) !== 1) return undefined;
    if (nodes.some((id) => outDegree.get(id) !== 1)) return undefined;
    return nodes.length > 0 ? nodes.length : undefined;
  } catch {
    return undefined;
  }
}
