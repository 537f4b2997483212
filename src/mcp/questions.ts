import { compileValidator } from '../graphs/validator.js';
import type { PendingInterrupt } from '../run/run-tool.js';
import { isPlainObject } from '../plain-object.js';

/**
 * How a LangGraph `interrupt()` becomes a question to the caller, and the
 * caller's answer a resume value. Questions are plain JSON: they are kept
 * with the paused run and read back by whichever process gets the answer.
 *
 * Conventions, recognised in this order:
 * - `mcp`: the value already is an MCP input request
 *   (`{ method: "elicitation/create" | "sampling/createMessage" | "roots/list", params }`);
 *   it is passed on unchanged and the client's raw result is the resume value.
 * - `agent-inbox`: `HumanInterrupt[]` (`@langchain/langgraph/prebuilt`), answered with `HumanResponse[]`.
 * - `hitl`: LangChain's human-in-the-loop middleware (`{ actionRequests, reviewConfigs }`),
 *   answered with `{ decisions }`.
 * - `typed`: `interrupt(value, { responseSchema })`: the schema is the form, the parsed answer the resume value.
 * - `text`: anything else (a string, or an object with `message`/`question`): one text field,
 *   and the text is the resume value.
 */

export type InputMethod = 'elicitation/create' | 'sampling/createMessage' | 'roots/list';
export const INPUT_METHODS: readonly InputMethod[] = ['elicitation/create', 'sampling/createMessage', 'roots/list'];

type Json = Record<string, unknown>;

/** A form field that holds JSON text because the elicitation form cannot express its schema. */
interface FormShape {
  /** Fields whose text is parsed as JSON. */
  jsonFields: string[];
  /** The answer is the value of this single field (the response schema was not an object). */
  unwrap?: string;
}

export type Decoder =
  | { kind: 'mcp' }
  | { kind: 'text'; field: string }
  | ({ kind: 'typed'; schema: Json } & FormShape)
  | { kind: 'agent-inbox'; items: Array<{ action: string; args: Json; allow: string[] }> }
  | { kind: 'hitl'; actions: Array<{ name: string; args: Json; allowed: string[] }> };

export interface Question {
  /** The input request key: unique within the run, never reused. */
  key: string;
  /** The LangGraph interrupt this question answers. */
  interruptId: string;
  /** The MCP input request sent to a client that can answer it in-protocol. */
  request: { method: InputMethod; params: Json };
  decoder: Decoder;
  /** The question in words, for a caller's model to relay to its user. */
  text: string;
}

export type Decoded =
  | { ok: true; value: unknown }
  | { ok: false; declined: true; action: string }
  | { ok: false; declined: false; problem: string };

const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Turns interrupts into questions. `usedKeys` are the keys earlier rounds of
 * the same run used; none is reused (a re-asked question gets a new key).
 */
export function questionsFor(interrupts: readonly PendingInterrupt[], usedKeys: readonly string[]): Question[] {
  const used = new Set(usedKeys);
  let counter = usedKeys.length;
  const uniqueKey = (wanted: string | undefined): string => {
    let base = wanted;
    if (base === undefined) {
      do counter += 1;
      while (used.has(`q${counter}`));
      base = `q${counter}`;
    }
    const key = unusedKey(base, used);
    used.add(key);
    return key;
  };
  return interrupts.map((interrupt) => {
    const shaped = shapeQuestion(interrupt);
    return { ...shaped, key: uniqueKey(requestedKey(interrupt.value)), interruptId: interrupt.id };
  });
}

/**
 * The key a question is asked again under once an answer to it came that
 * could not be used: a key whose answer was delivered is never asked with
 * again (clients may remember the keys they answered, as the tasks
 * extension advises). `q1` becomes `q1.2`, then `q1.3`.
 */
export function keyForAskingAgain(key: string, usedKeys: readonly string[]): string {
  return unusedKey(key.replace(/\.\d+$/, ''), new Set(usedKeys));
}

function unusedKey(base: string, used: ReadonlySet<string>): string {
  let key = base;
  for (let n = 2; used.has(key); n += 1) key = `${base}.${n}`;
  return key;
}

function requestedKey(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const key = value.key;
  return typeof key === 'string' && KEY_PATTERN.test(key) ? key : undefined;
}

function shapeQuestion(interrupt: PendingInterrupt): Omit<Question, 'key' | 'interruptId'> {
  const value = interrupt.value;
  if (isMcpInputRequest(value)) {
    return { request: { method: value.method, params: value.params ?? {} }, decoder: { kind: 'mcp' }, text: mcpRequestText(value) };
  }
  if (isAgentInbox(value)) return agentInboxQuestion(value);
  if (isHitlRequest(value)) return hitlQuestion(value);
  const message = messageOf(value);
  if (interrupt.responseSchema !== undefined) return typedQuestion(message, interrupt.responseSchema);
  return textQuestion(message);
}

// ---------------------------------------------------------------- conventions

interface McpInputRequestValue {
  method: InputMethod;
  params?: Json;
}

function isMcpInputRequest(value: unknown): value is McpInputRequestValue {
  return (
    isPlainObject(value) &&
    typeof value.method === 'string' &&
    (INPUT_METHODS as readonly string[]).includes(value.method) &&
    (value.params === undefined || isPlainObject(value.params))
  );
}

function mcpRequestText(value: McpInputRequestValue): string {
  const params = value.params ?? {};
  if (value.method === 'elicitation/create') {
    const message = String(params.message ?? 'The tool asks for input.');
    // A URL-mode question is answered on a page: its address is part of the question.
    return isUrlMode(params) && !namesUrl(message, params.url) ? `${message} (${params.url})` : message;
  }
  if (value.method === 'roots/list') return 'The tool asks for the list of your workspace roots.';
  const messages = Array.isArray(params.messages) ? params.messages : [];
  const last = messages.at(-1) as { content?: { text?: unknown } } | undefined;
  return typeof last?.content?.text === 'string' ? last.content.text : 'The tool asks for a model completion.';
}

function textQuestion(message: string): Omit<Question, 'key' | 'interruptId'> {
  return {
    request: {
      method: 'elicitation/create',
      params: {
        message,
        requestedSchema: { type: 'object', properties: { answer: { type: 'string', title: 'Answer' } }, required: ['answer'] },
      },
    },
    decoder: { kind: 'text', field: 'answer' },
    text: message,
  };
}

function typedQuestion(message: string, responseSchema: Json): Omit<Question, 'key' | 'interruptId'> {
  // A field with a default need not be given (zod 4 writes its output shape, where it is
  // required). It is not filled in here: zod fills it as the graph takes the answer, a
  // default made fresh each time (a date, an id) included, which the schema holds frozen.
  const given = withDefaultsOptional(responseSchema);
  const { $schema: _dialect, ...schema } = given;
  const form = toForm(schema);
  // The answer is checked in the schema's own dialect (zod 3's converter writes draft-07, whose
  // tuples differ), and only if it is a schema: one that does not compile takes any answer,
  // which the graph then checks itself, rather than failing every answer as the server's fault.
  const checked = compiles(given) ? given : {};
  return {
    request: { method: 'elicitation/create', params: { message, requestedSchema: form.requestedSchema } },
    decoder: { kind: 'typed', schema: checked, jsonFields: form.jsonFields, ...(form.unwrap ? { unwrap: form.unwrap } : {}) },
    text: message,
  };
}

function compiles(schema: Json): boolean {
  try {
    compileValidator(schema, 'interrupt responseSchema');
    return true;
  } catch {
    return false;
  }
}

/** `schema` with the properties that have a `default` left out of its `required`. */
function withDefaultsOptional(schema: Json): Json {
  const properties = isPlainObject(schema.properties) ? schema.properties : undefined;
  if (properties === undefined || !Array.isArray(schema.required)) return schema;
  const required = (schema.required as unknown[]).filter((name) => !(typeof name === 'string' && isPlainObject(properties[name]) && 'default' in properties[name]));
  return required.length === schema.required.length ? schema : { ...schema, required };
}

interface HumanInterruptValue {
  action_request: { action: string; args: Json };
  config: { allow_ignore?: boolean; allow_respond?: boolean; allow_edit?: boolean; allow_accept?: boolean };
  description?: string;
}

function isAgentInbox(value: unknown): value is HumanInterruptValue[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => isPlainObject(item) && isPlainObject(item.action_request) && typeof item.action_request.action === 'string' && isPlainObject(item.config))
  );
}

const INBOX_ACTIONS = [
  ['accept', 'allow_accept', 'Accept'],
  ['edit', 'allow_edit', 'Edit the arguments'],
  ['respond', 'allow_respond', 'Respond with a message'],
  ['ignore', 'allow_ignore', 'Ignore'],
] as const;

function agentInboxQuestion(items: HumanInterruptValue[]): Omit<Question, 'key' | 'interruptId'> {
  const properties: Json = {};
  const required: string[] = [];
  const lines: string[] = [];
  const decoderItems = items.map((item, i) => {
    const suffix = items.length > 1 ? `_${i + 1}` : '';
    const allow = INBOX_ACTIONS.filter(([, flag]) => item.config[flag] === true).map(([action]) => action);
    const args = isPlainObject(item.action_request.args) ? item.action_request.args : {};
    const about = item.description ?? `Review the action "${item.action_request.action}" with arguments ${JSON.stringify(args)}.`;
    lines.push(about);
    properties[`action${suffix}`] = {
      type: 'string',
      title: items.length > 1 ? `Decision for "${item.action_request.action}"` : 'Decision',
      oneOf: INBOX_ACTIONS.filter(([action]) => allow.includes(action)).map(([action, , title]) => ({ const: action, title })),
    };
    required.push(`action${suffix}`);
    if (allow.includes('edit')) {
      properties[`args${suffix}`] = { type: 'string', title: 'Edited arguments (JSON, for "edit")', default: JSON.stringify(args) };
    }
    if (allow.includes('respond')) properties[`response${suffix}`] = { type: 'string', title: 'Your response (for "respond")' };
    return { action: item.action_request.action, args, allow };
  });
  const message = lines.join('\n');
  return {
    request: { method: 'elicitation/create', params: { message, requestedSchema: { type: 'object', properties, required } } },
    decoder: { kind: 'agent-inbox', items: decoderItems },
    text: message,
  };
}

interface HitlRequestValue {
  actionRequests: Array<{ name: string; args: Json; description?: string }>;
  reviewConfigs: Array<{ actionName: string; allowedDecisions: string[] }>;
}

function isHitlRequest(value: unknown): value is HitlRequestValue {
  return (
    isPlainObject(value) &&
    Array.isArray(value.actionRequests) &&
    Array.isArray(value.reviewConfigs) &&
    value.actionRequests.every((action) => isPlainObject(action) && typeof action.name === 'string')
  );
}

const HITL_TITLES: Record<string, string> = { approve: 'Approve', edit: 'Edit the arguments', reject: 'Reject' };

function hitlQuestion(value: HitlRequestValue): Omit<Question, 'key' | 'interruptId'> {
  const properties: Json = {};
  const required: string[] = [];
  const lines: string[] = [];
  const many = value.actionRequests.length > 1;
  const actions = value.actionRequests.map((action, i) => {
    const suffix = many ? `_${i + 1}` : '';
    const review = value.reviewConfigs.find((config) => config.actionName === action.name);
    const allowed = (review?.allowedDecisions ?? ['approve', 'edit', 'reject']).filter((d) => d in HITL_TITLES);
    const args = isPlainObject(action.args) ? action.args : {};
    lines.push(action.description ?? `Review the tool call "${action.name}" with arguments ${JSON.stringify(args)}.`);
    properties[`decision${suffix}`] = {
      type: 'string',
      title: many ? `Decision for "${action.name}"` : 'Decision',
      oneOf: allowed.map((decision) => ({ const: decision, title: HITL_TITLES[decision] })),
    };
    required.push(`decision${suffix}`);
    if (allowed.includes('edit')) properties[`args${suffix}`] = { type: 'string', title: 'Edited arguments (JSON, for "edit")', default: JSON.stringify(args) };
    if (allowed.includes('reject')) properties[`message${suffix}`] = { type: 'string', title: 'Why (for "reject")' };
    return { name: action.name, args, allowed };
  });
  const message = lines.join('\n');
  return {
    request: { method: 'elicitation/create', params: { message, requestedSchema: { type: 'object', properties, required } } },
    decoder: { kind: 'hitl', actions },
    text: message,
  };
}

// ---------------------------------------------------------------- forms

/**
 * A response schema as an elicitation form. Elicitation forms are flat
 * objects of primitives (strings, numbers, booleans, enums); a field the
 * form cannot express becomes a text field holding JSON, and a schema that
 * is not an object becomes a one-field form (`value`).
 */
function toForm(schema: Json): { requestedSchema: Json } & FormShape {
  if (schema.type === 'object' && isPlainObject(schema.properties)) {
    const properties: Json = {};
    const jsonFields: string[] = [];
    for (const [name, property] of Object.entries(schema.properties)) {
      const primitive = isPlainObject(property) ? toPrimitive(property) : undefined;
      if (primitive) properties[name] = primitive;
      else {
        jsonFields.push(name);
        properties[name] = jsonField(name, isPlainObject(property) ? property : {});
      }
    }
    const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
    return { requestedSchema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }, jsonFields };
  }
  const primitive = toPrimitive(schema);
  const field = primitive ?? jsonField('value', schema);
  return {
    requestedSchema: { type: 'object', properties: { value: field }, required: ['value'] },
    jsonFields: primitive ? [] : ['value'],
    unwrap: 'value',
  };
}

function jsonField(name: string, schema: Json): Json {
  const { $schema: _ignored, ...body } = schema;
  return {
    type: 'string',
    title: typeof schema.title === 'string' ? schema.title : name,
    description: `${typeof schema.description === 'string' ? `${schema.description} ` : ''}(JSON matching ${JSON.stringify(body)})`,
  };
}

const STRING_FORMATS = new Set(['email', 'uri', 'date', 'date-time']);

/** The elicitation spec's restricted primitive schema for `schema`, or `undefined` if it has none. */
function toPrimitive(schema: Json): Json | undefined {
  const common: Json = {};
  if (typeof schema.title === 'string') common.title = schema.title;
  if (typeof schema.description === 'string') common.description = schema.description;
  const enumValues = Array.isArray(schema.enum) ? schema.enum : undefined;
  switch (schema.type) {
    case 'string': {
      if (enumValues) {
        if (!enumValues.every((v) => typeof v === 'string')) return undefined;
        // The older titled form (`enumNames`), which 2025-11-25 still reads.
        const names = Array.isArray(schema.enumNames) && schema.enumNames.length === enumValues.length && schema.enumNames.every((v) => typeof v === 'string') ? { enumNames: schema.enumNames } : {};
        return { ...common, type: 'string', enum: enumValues, ...names, ...defaultOf(schema, 'string') };
      }
      // Titled choices (`oneOf` or `anyOf` of `{ const, title }`), as the spec's titled single-select
      // writes them; any other `oneOf` is no form's, and the answer is checked against it instead.
      const choices = titledChoices(schema.oneOf) ?? titledChoices(schema.anyOf);
      if (choices !== undefined) return { ...common, type: 'string', oneOf: choices, ...defaultOf(schema, 'string') };
      const out: Json = { ...common, type: 'string', ...defaultOf(schema, 'string') };
      if (typeof schema.minLength === 'number') out.minLength = schema.minLength;
      if (typeof schema.maxLength === 'number') out.maxLength = schema.maxLength;
      if (typeof schema.format === 'string' && STRING_FORMATS.has(schema.format)) out.format = schema.format;
      return out;
    }
    case 'number':
    case 'integer': {
      const out: Json = { ...common, type: schema.type, ...defaultOf(schema, 'number') };
      // Any bound a form can show: a fraction for a number, a safe integer for an integer (zod's own ±2^53 are noise).
      const bound = (value: unknown) => typeof value === 'number' && (schema.type === 'number' ? Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER : Number.isSafeInteger(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER);
      if (bound(schema.minimum)) out.minimum = schema.minimum;
      if (bound(schema.maximum)) out.maximum = schema.maximum;
      return out;
    }
    case 'boolean':
      return { ...common, type: 'boolean', ...defaultOf(schema, 'boolean') };
    case 'array': {
      const items = isPlainObject(schema.items) ? schema.items : undefined;
      if (items && Array.isArray(items.enum) && items.enum.every((v) => typeof v === 'string')) {
        return { ...common, type: 'array', items: { type: 'string', enum: items.enum } };
      }
      // The spec's titled multi-select.
      const choices = items && (titledChoices(items.anyOf) ?? titledChoices(items.oneOf));
      if (choices !== undefined) return { ...common, type: 'array', items: { anyOf: choices } };
      return undefined;
    }
    default: {
      if (schema.type !== undefined) return undefined;
      if (enumValues?.every((v) => typeof v === 'string')) return { ...common, type: 'string', enum: enumValues };
      // A union of string literals (zod 4 writes `anyOf` of `{ type: 'string', const }`): a choice.
      const choices = titledChoices(schema.anyOf) ?? titledChoices(schema.oneOf);
      return choices === undefined ? undefined : { ...common, type: 'string', oneOf: choices };
    }
  }
}

/** `[{ const, title }]` with string consts, each titled (by its const when it has no title); `undefined` for anything else. */
function titledChoices(options: unknown): Json[] | undefined {
  if (!Array.isArray(options) || options.length === 0) return undefined;
  if (!options.every((option) => isPlainObject(option) && typeof option.const === 'string' && (option.title === undefined || typeof option.title === 'string'))) return undefined;
  return (options as Json[]).map((option) => ({ const: option.const, title: option.title ?? option.const }));
}

function defaultOf(schema: Json, type: 'string' | 'number' | 'boolean'): Json {
  return typeof schema.default === type ? { default: schema.default } : {};
}

// ---------------------------------------------------------------- answers

/**
 * Turns an answer into the resume value for the question's interrupt.
 * `from: "client"` is the raw result of the input request (`ElicitResult`,
 * `CreateMessageResult`, `ListRootsResult`); `from: "model"` is what a
 * caller's model passed to `resume_run` (the form's content, or plain text
 * for a one-field form).
 */
export function decodeAnswer(question: Question, answer: unknown, from: 'client' | 'model'): Decoded {
  const { decoder } = question;
  if (decoder.kind === 'mcp') {
    if (from === 'client') return { ok: true, value: answer };
    if (question.request.method === 'elicitation/create') return modelElicitResult(question, answer);
    return { ok: true, value: modelAnswerAsResult(question, answer) };
  }

  let content: Json;
  if (from === 'client') {
    if (!isPlainObject(answer) || typeof answer.action !== 'string') return invalid('the answer is not an elicitation result');
    if (answer.action === 'decline' || answer.action === 'cancel') return declinedOrDefault(question, answer.action);
    if (answer.action !== 'accept') return invalid(`"action" must be "accept", "decline" or "cancel", not ${JSON.stringify(answer.action.slice(0, 40))}`);
    content = isPlainObject(answer.content) ? answer.content : {};
  } else {
    const parsed = modelContent(question, answer);
    if (typeof parsed === 'string') return invalid(parsed);
    content = parsed;
  }

  switch (decoder.kind) {
    case 'text': {
      const text = content[decoder.field];
      return typeof text === 'string' ? { ok: true, value: text } : invalid(`"${decoder.field}" must be text`);
    }
    case 'typed':
      return decodeTyped(decoder, content);
    case 'agent-inbox':
      return decodeAgentInbox(decoder, content);
    case 'hitl':
      return decodeHitl(decoder, content);
  }
}

/**
 * What a decline or cancel means: Agent Inbox ignores and the middleware
 * rejects, since both conventions have a "no"; for the others the caller
 * refused to answer, and the run ends (`declined`).
 */
function declinedOrDefault(question: Question, action: string): Decoded {
  const { decoder } = question;
  if (decoder.kind === 'agent-inbox' && decoder.items.every((item) => item.allow.includes('ignore'))) {
    return { ok: true, value: decoder.items.map(() => ({ type: 'ignore', args: null })) };
  }
  if (decoder.kind === 'hitl' && decoder.actions.every((item) => item.allowed.includes('reject'))) {
    return { ok: true, value: { decisions: decoder.actions.map(() => ({ type: 'reject', message: `The user chose to ${action}.` })) } };
  }
  return { ok: false, declined: true, action };
}

function decodeTyped(decoder: Extract<Decoder, { kind: 'typed' }>, content: Json): Decoded {
  const values: Json = { ...content };
  // A field the form did not ask for is left out, as zod's object leaves it (its JSON Schema says
  // `additionalProperties: false`, which no elicitation form carries): a client may well send one.
  const asked = isPlainObject(decoder.schema.properties) && decoder.schema.additionalProperties === false && !decoder.unwrap ? decoder.schema.properties : undefined;
  if (asked !== undefined) for (const key of Object.keys(values)) if (!Object.hasOwn(asked, key)) delete values[key];
  for (const field of decoder.jsonFields) {
    const text = values[field];
    if (text === undefined) continue;
    if (typeof text !== 'string') continue;
    try {
      values[field] = JSON.parse(text) as unknown;
    } catch {
      // Not JSON: the text itself, which the field's schema may well take (a string that may
      // also be null, or a number): a person typing "hello" there should not have to quote it.
      // The schema says what is wrong otherwise.
    }
  }
  const value = decoder.unwrap ? values[decoder.unwrap] : values;
  const check = compileValidator(decoder.schema, 'interrupt responseSchema');
  const problems = check(value);
  if (problems.length === 0) return { ok: true, value };
  // Read as JSON it does not fit, as typed it may: "12345" in a field that takes a text or null.
  const typed = decoder.unwrap ? content[decoder.unwrap] : content;
  if (typed !== value && check(typed).length === 0) return { ok: true, value: typed };
  // The schema is the field's own: its root is the answer, not a place in it.
  return invalid((decoder.unwrap ? problems.map((problem) => problem.replace(/^\(root\): /, '')) : problems).join('; '));
}

function decodeAgentInbox(decoder: Extract<Decoder, { kind: 'agent-inbox' }>, content: Json): Decoded {
  const responses: unknown[] = [];
  for (const [i, item] of decoder.items.entries()) {
    const suffix = decoder.items.length > 1 ? `_${i + 1}` : '';
    const action = content[`action${suffix}`];
    if (typeof action !== 'string' || !item.allow.includes(action)) return invalid(`"action${suffix}" must be one of ${item.allow.join(', ')}`);
    if (action === 'accept' || action === 'ignore') responses.push({ type: action, args: null });
    else if (action === 'respond') {
      const response = content[`response${suffix}`];
      if (typeof response !== 'string' || response === '') return invalid(`"response${suffix}" is needed for respond`);
      responses.push({ type: 'response', args: response });
    } else {
      const args = parseArgs(content[`args${suffix}`], item.args);
      if (args === undefined) return invalid(`"args${suffix}" must be a JSON object`);
      responses.push({ type: 'edit', args: { action: item.action, args } });
    }
  }
  return { ok: true, value: responses };
}

function decodeHitl(decoder: Extract<Decoder, { kind: 'hitl' }>, content: Json): Decoded {
  const decisions: unknown[] = [];
  for (const [i, action] of decoder.actions.entries()) {
    const suffix = decoder.actions.length > 1 ? `_${i + 1}` : '';
    const decision = content[`decision${suffix}`];
    if (typeof decision !== 'string' || !action.allowed.includes(decision)) {
      return invalid(`"decision${suffix}" must be one of ${action.allowed.join(', ')}`);
    }
    if (decision === 'approve') decisions.push({ type: 'approve' });
    else if (decision === 'reject') {
      const message = content[`message${suffix}`];
      decisions.push({ type: 'reject', ...(typeof message === 'string' && message !== '' ? { message } : {}) });
    } else {
      const args = parseArgs(content[`args${suffix}`], action.args);
      if (args === undefined) return invalid(`"args${suffix}" must be a JSON object`);
      decisions.push({ type: 'edit', editedAction: { name: action.name, args } });
    }
  }
  return { ok: true, value: { decisions } };
}

function parseArgs(text: unknown, fallback: Json): Json | undefined {
  if (text === undefined || text === '') return fallback;
  if (isPlainObject(text)) return text;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A model's answer as form content: an object as is, a JSON object in text, or text for a one-field form. */
function modelContent(question: Question, answer: unknown): Json | string {
  const fields = Object.keys((question.request.params.requestedSchema as { properties?: Json } | undefined)?.properties ?? {});
  // A question whose answer is one value (a record, a list, a nullable text) asked as a one-field
  // form: the model's answer is that value, whatever its shape, unless given as the form's field.
  const unwrap = question.decoder.kind === 'typed' ? question.decoder.unwrap : undefined;
  if (unwrap !== undefined) {
    if (isPlainObject(answer) && Object.keys(answer).length === 1 && Object.hasOwn(answer, unwrap)) return answer;
    return { [unwrap]: oneFieldValue(question, unwrap, answer === undefined ? null : answer) };
  }
  if (isPlainObject(answer)) return answer;
  if (typeof answer === 'string') {
    const trimmed = answer.trim();
    if (trimmed.startsWith('{')) {
      try {
        const parsed = JSON.parse(trimmed) as unknown;
        if (isPlainObject(parsed)) return parsed;
      } catch {
        // Not JSON: taken as text below.
      }
    }
  }
  if (fields.length === 1 && answer !== undefined && answer !== null) {
    return { [fields[0]!]: oneFieldValue(question, fields[0]!, answer) };
  }
  return `the answer must be an object with the fields ${fields.join(', ')}`;
}

/** Form field types a model may send as a bare value, or as that value's JSON text. */
const PRIMITIVE_TYPES: Readonly<Record<string, string>> = { boolean: 'boolean', number: 'number', integer: 'number' };

/**
 * A model's bare answer to a one-field question, as that field's value: a
 * yes/no question's `true` (or `"true"`) as a boolean, a number as a
 * number; text and JSON-text fields take text.
 */
function oneFieldValue(question: Question, field: string, answer: unknown): unknown {
  const { decoder } = question;
  const properties = (question.request.params.requestedSchema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  const primitive = PRIMITIVE_TYPES[String(properties?.[field]?.type)];
  if (decoder.kind !== 'typed' || decoder.jsonFields.includes(field) || primitive === undefined) {
    return typeof answer === 'string' ? answer : JSON.stringify(answer);
  }
  if (typeof answer !== 'string') return answer;
  try {
    const parsed = JSON.parse(answer.trim()) as unknown;
    return typeof parsed === primitive ? parsed : answer;
  } catch {
    return answer;
  }
}

const DECISIONS = ['accept', 'decline', 'cancel'] as const;

const DECISION_HINT = '{"action": "accept"}, {"action": "decline"} or {"action": "cancel"}';

/**
 * A model's answer to an elicitation the graph wrote itself, as an
 * `ElicitResult`. A decision is never guessed: an `action` must be one of
 * the three (as an object, or its JSON text); with nothing to fill in (a
 * page to visit, a form of no fields) the bare word counts too. A form's
 * content is an object, or for a form of one field, that field's value.
 */
function modelElicitResult(question: Question, answer: unknown): Decoded {
  const fields = fieldsOf(question);
  if (fields.length === 0) {
    const action = decisionOf(answer);
    return action === undefined ? invalid(`answer with the user's decision: ${DECISION_HINT}`) : { ok: true, value: { action } };
  }
  // A bare decision word, where the form cannot take it as a value: a form of several fields, or one of a
  // field named "action" (where {"action": ...} is that field) that does not list the word among its choices.
  if (typeof answer === 'string' && takesBareDecision(question, fields)) {
    const word = answer.trim().toLowerCase();
    if (word === 'decline' || word === 'cancel') return { ok: true, value: { action: word } };
  }
  let value = answer;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isPlainObject(parsed)) value = parsed;
    } catch {
      // Text: a one-field form's value.
    }
  }
  // A decision: `action` (and perhaps `content`) alone, where `action` is not one of the form's own fields.
  // A decision: `action`, where it is not one of the form's own fields, with the content in `content` or beside it.
  if (isPlainObject(value) && 'action' in value && !fields.includes('action')) {
    const action = decisionOf(value);
    if (action === undefined) return invalid(`"action" must be one of ${DECISION_HINT}`);
    if (action !== 'accept') return { ok: true, value: { action } };
    const { action: _decision, content, ...beside } = value;
    if (content !== undefined && !isPlainObject(content)) return invalid('"content" must be an object of the form\'s fields');
    return checkedContent(question, { ...beside, ...(content ?? {}) });
  }
  if (isPlainObject(value)) return checkedContent(question, value);
  if (fields.length === 1 && value !== undefined && value !== null) return checkedContent(question, { [fields[0]!]: bareFieldValue(question, fields[0]!, value) });
  return invalid(`answer with an object with the fields ${fields.join(', ')}, or the user's decision: ${decisionHint(fields)}`);
}

/** Whether a graph-written form takes the bare word `decline` or `cancel` as the user's decision. */
function takesBareDecision(question: Question, fields: readonly string[]): boolean {
  if (fields.length > 1) return true;
  if (fields[0] !== 'action') return false;
  const field = (question.request.params.requestedSchema as { properties?: Record<string, Json> } | undefined)?.properties?.action;
  const choices = [...(Array.isArray(field?.enum) ? field.enum : []), ...(Array.isArray(field?.oneOf) ? field.oneOf.map((choice) => (isPlainObject(choice) ? choice.const : undefined)) : [])];
  return !choices.some((choice) => choice === 'decline' || choice === 'cancel');
}

/** How a graph-written form is declined: `{"action": ...}`, or where that is the form's own field, the bare word. */
function decisionHint(fields: readonly string[]): string {
  return fields.includes('action') ? '"decline" or "cancel"' : DECISION_HINT;
}

/** A bare value for a form field: a yes/no field's `true` (or `"true"`) as a boolean, a number as a number, as given otherwise. */
function bareFieldValue(question: Question, field: string, value: unknown): unknown {
  const properties = (question.request.params.requestedSchema as { properties?: Record<string, { type?: unknown; enum?: unknown }> } | undefined)?.properties;
  const declared = properties?.[field]?.type;
  const choices = properties?.[field]?.enum;
  // A field with no type but a list of choices (numbers, say): the text of one of them, as that choice.
  if (declared === undefined && Array.isArray(choices)) {
    if (typeof value !== 'string' || choices.includes(value)) return value;
    try {
      const parsed = JSON.parse(value.trim()) as unknown;
      return choices.includes(parsed) ? parsed : value;
    } catch {
      return value;
    }
  }
  const types = (Array.isArray(declared) ? declared : [declared]).map(String);
  // The JSON text of a value the field takes (a yes/no's `true`, a number, a list of choices), as that value.
  const takes = (parsed: unknown) => types.some((type) => (type === 'array' ? Array.isArray(parsed) : type === 'null' ? parsed === null : PRIMITIVE_TYPES[type] === typeof parsed));
  if (typeof value !== 'string' || !types.some((type) => type === 'array' || type === 'null' || PRIMITIVE_TYPES[type] !== undefined)) return value;
  try {
    const parsed = JSON.parse(value.trim()) as unknown;
    return takes(parsed) ? parsed : value;
  } catch {
    return value;
  }
}

/** An accepted form's content, checked against the form the graph wrote (when that is a JSON Schema at all). */
function checkedContent(question: Question, content: Json): Decoded {
  const schema = question.request.params.requestedSchema;
  if (isPlainObject(schema)) {
    let check: ((value: unknown) => string[]) | undefined;
    try {
      check = compileValidator(schema, 'elicitation requestedSchema');
    } catch {
      check = undefined;
    }
    const problems = check?.(content) ?? [];
    if (problems.length > 0) return invalid(`the answer does not fit the form: ${problems.join('; ')} (or answer with the user's decision: ${decisionHint(fieldsOf(question))})`);
  }
  return { ok: true, value: { action: 'accept', content } };
}

/** A model's decision: `{"action": ...}` (as an object, or its JSON text), or the bare word. */
function decisionOf(answer: unknown): (typeof DECISIONS)[number] | undefined {
  let value = answer;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if ((DECISIONS as readonly string[]).includes(word)) return word as (typeof DECISIONS)[number];
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const action = isPlainObject(value) ? value.action : undefined;
  return typeof action === 'string' && (DECISIONS as readonly string[]).includes(action) ? (action as (typeof DECISIONS)[number]) : undefined;
}

/** The fields a form question asks for (none for a URL-mode question). */
function fieldsOf(question: Question): string[] {
  const schema = question.request.params.requestedSchema as { properties?: Json } | undefined;
  return isPlainObject(schema?.properties) ? Object.keys(schema.properties) : [];
}

/** A model answering an MCP input request through `resume_run`: shaped as the client's result would be. */
function modelAnswerAsResult(question: Question, answer: unknown): unknown {
  switch (question.request.method) {
    case 'elicitation/create':
      return answer;
    case 'sampling/createMessage':
      if (isPlainObject(answer) && isPlainObject(answer.content)) return answer;
      return { role: 'assistant', content: { type: 'text', text: typeof answer === 'string' ? answer : JSON.stringify(answer) }, model: 'caller', stopReason: 'endTurn' };
    case 'roots/list':
      return isPlainObject(answer) && Array.isArray(answer.roots) ? answer : { roots: Array.isArray(answer) ? answer : [] };
  }
}

/** How a caller's model should answer the question through `resume_run`. */
export function answerHint(question: Question): string {
  const { decoder } = question;
  const schema = question.request.params.requestedSchema as { properties?: Json } | undefined;
  const fields = fieldsOf(question);
  switch (decoder.kind) {
    case 'text':
      return 'Answer with plain text.';
    case 'mcp':
      if (question.request.method === 'sampling/createMessage') return 'Answer with the text of your reply.';
      if (question.request.method === 'roots/list') return 'Answer with {"roots": [{"uri": "file:///...", "name": "..."}]}.';
      if (isUrlMode(question.request.params)) {
        return 'Send the user to that page; once they have finished there, answer {"action": "accept"} (or {"action": "decline"} if they refuse).';
      }
      if (fields.length === 0) return 'Answer with {"action": "accept"} to go on, or {"action": "decline"}.';
      // (A form whose own "action" field lists "decline" or "cancel" has no other way to refuse: its choices say it.)
      if (takesBareDecision(question, fields)) return `Answer with an object with the fields ${fields.join(', ')} (or "decline" if the user refuses).`;
      return `Answer with an object with the fields ${fields.join(', ')}${fields.includes('action') ? '' : ' (or {"action": "decline"} if the user refuses)'}.`;
    default:
      // A response schema that is not an object, asked as a one-field form: the value itself is the answer.
      if (decoder.kind === 'typed' && decoder.unwrap) {
        const { $schema: _dialect, ...shown } = decoder.schema;
        return `Answer with a JSON value that matches this JSON Schema: ${JSON.stringify(shown)}.`;
      }
      // The form's own JSON Schema, required fields included: a map of properties alone reads as an example.
      return `Answer with a JSON object that matches this JSON Schema: ${JSON.stringify(schema ?? { type: 'object' })}.`;
  }
}

/** Whether `text` holds `url` whole (not as the start of a longer one). */
function namesUrl(text: string, url: string): boolean {
  for (let at = text.indexOf(url); at !== -1; at = text.indexOf(url, at + 1)) {
    const next = text.charAt(at + url.length);
    const after = text.charAt(at + url.length + 1);
    if (next === '' || /[\s)>"'\]]/.test(next) || (/[.,;:!?]/.test(next) && (after === '' || /\s/.test(after)))) return true;
  }
  return false;
}

/** An elicitation that sends the user to a page (2025-11-25's URL mode). */
function isUrlMode(params: Json): params is Json & { url: string } {
  return params.mode === 'url' && typeof params.url === 'string';
}

function messageOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isPlainObject(value)) {
    for (const field of ['message', 'question', 'prompt', 'description']) {
      if (typeof value[field] === 'string') return value[field] as string;
    }
  }
  return JSON.stringify(value) ?? String(value);
}

function invalid(problem: string): Decoded {
  return { ok: false, declined: false, problem };
}

