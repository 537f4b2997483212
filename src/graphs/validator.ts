import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv as AjvDraft7 } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { GraphMcpError, messageOf } from '../errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020 | AjvDraft7) => unknown;

/** The JSON Schema dialects compiled: 2020-12 (MCP's default), and draft-07 (older drafts, and zod 3's converter, declare it). */
type Dialect = '2020-12' | 'draft-07';

/** Checks a value against a JSON Schema; returns one readable line per problem, empty when valid. */
export type Validator = (value: unknown) => string[];

/** One ajv (and its compiled validators, by schema text) per dialect and mode: checking only, or also filling in defaults. */
const instances = new Map<string, { ajv: Ajv2020 | AjvDraft7; compiled: Map<string, ValidateFunction> }>();

/**
 * Compiled validators kept per instance, the most recently used. Start-up
 * schemas are held by the validators made of them; the questions runs ask
 * are compiled as they are asked and answered, and a graph whose
 * `responseSchema` carries the call's own data (a description naming an
 * order) makes a new one each time: kept without a bound, each would stay
 * for the process's life (about 5 KB each).
 */
const KEPT_PER_INSTANCE = 256;

function ajv(dialect: Dialect, fillDefaults: boolean): { ajv: Ajv2020 | AjvDraft7; compiled: Map<string, ValidateFunction> } {
  const name = `${dialect}:${fillDefaults}`;
  let instance = instances.get(name);
  if (instance === undefined) {
    // strict: false - user schemas may carry keywords ajv does not know
    // (zod emits some); they are annotations, not constraints.
    // addUsedSchema: false - a schema's "$id" stays its own: two tools whose schemas share
    // an "$id" (copied from one file) would otherwise clash at start-up. logger: false -
    // ajv would print to the console (an unknown "format", which is then not checked).
    // strictNumbers - JSON's 1e400 parses as Infinity, which ajv otherwise takes for an integer.
    const options = { allErrors: true, strict: false, strictNumbers: true, validateFormats: true, useDefaults: fillDefaults, addUsedSchema: false, logger: false } as const;
    const created = dialect === '2020-12' ? new Ajv2020(options) : new AjvDraft7(options);
    addFormats(created);
    instance = { ajv: created, compiled: new Map() };
    instances.set(name, instance);
  }
  return instance;
}

/**
 * Compiles a JSON Schema once, at start-up. `what` names the schema in the
 * start-up error if it does not compile. With `fillDefaults`, checking a
 * value also sets, in it, each missing property's `default` (tool
 * arguments: the schema a caller is shown promises them).
 */
export function compileValidator(schema: Record<string, unknown>, what: string, options: { fillDefaults?: boolean } = {}): Validator {
  // Tool schemas default to draft 2020-12. One that declares an older draft is
  // compiled as draft-07 (a tuple's "items" array means something else there).
  const { $schema: declared, ...body } = schema;
  const dialect: Dialect = typeof declared === 'string' && /json-schema\.org\/draft-0[4-7]\/schema/.test(declared) ? 'draft-07' : '2020-12';
  const key = JSON.stringify(body);
  const { ajv: instance, compiled } = ajv(dialect, options.fillDefaults === true);
  let validate = compiled.get(key);
  if (validate === undefined) {
    // With no "$id" of its own, a schema is given one no other can have: ajv resolves "#" (a tree's
    // items that are the whole schema again, as zod writes a recursive schema) only through a root's id.
    const named = body.$id === undefined ? { ...body, $id: `urn:graph-mcp:schema:${randomUUID()}` } : body;
    try {
      validate = instance.compile(named);
    } catch (cause) {
      throw new GraphMcpError('SCHEMA_INVALID', `${what}: not a valid JSON Schema: ${messageOf(cause)}`, { cause });
    } finally {
      // ajv keeps what it compiles by the schema object, a new one each call: kept here by its text instead.
      // (Not one with an "$id" of its own: ajv would drop whatever else it holds under that id too.)
      if (named !== body) instance.removeSchema(named);
    }
    if (compiled.size >= KEPT_PER_INSTANCE) compiled.delete(compiled.keys().next().value!);
  } else {
    compiled.delete(key);
  }
  compiled.set(key, validate);
  const check = validate;
  return (value) => (check(value) ? [] : formatErrors(check.errors ?? []));
}

function formatErrors(errors: ErrorObject[]): string[] {
  const lines = errors.map((error) => {
    const at = fieldPath(error.instancePath);
    switch (error.keyword) {
      case 'required':
        return `${joinPath(at, String(error.params.missingProperty))}: required`;
      case 'additionalProperties':
        return `${joinPath(at, String(error.params.additionalProperty))}: unknown field`;
      case 'enum':
        return `${at || '(root)'}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      default:
        return `${at || '(root)'}: ${error.message ?? 'invalid'}`;
    }
  });
  return [...new Set(lines)];
}

/** "/items/0/name" -> "items[0].name" */
function fieldPath(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** How many compiled validators are kept, in ajv's own cache and in this module's, summed over instances (for tests). */
export function keptValidators(): { ajv: number; kept: number } {
  let ajvCount = 0;
  let kept = 0;
  for (const instance of instances.values()) {
    ajvCount += (instance.ajv as unknown as { _cache: Map<unknown, unknown> })._cache.size;
    kept += instance.compiled.size;
  }
  return { ajv: ajvCount, kept };
}
