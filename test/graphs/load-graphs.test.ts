import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveConfig, isGraphMcpError } from '../../src/index.js';
import { loadGraphTool, loadGraphTools } from '../../src/graphs/load-graphs.js';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, ROOT } from '../helpers/server.js';

function load(graphs: Record<string, unknown>, baseDir = FIXTURES) {
  return loadGraphTools(resolveConfig({ graphs }, { baseDir }));
}

function failsWith(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isGraphMcpError(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('schema derivation', () => {
  test('a zod graph with its own input and output schemas: required fields are marked required', async () => {
    const registry = await load({ echo: './graphs/basic.ts:echo' });
    const tool = registry.get('echo')!;
    const input = tool.definition.inputSchema;
    assert.deepEqual(Object.keys(input.properties ?? {}).sort(), ['text', 'times']);
    assert.deepEqual(input.required, ['text'], 'times has a default, so only text is required');
    assert.deepEqual(tool.definition.outputSchema?.required, ['echoed']);
  });

  test("a graph under a binding (.withRetry()) is listed with the graph's own schemas, not as taking any object", async () => {
    const registry = await load({ echo: './graphs/basic.ts:echo', retried: './graphs/basic.ts:echoRetried' });
    assert.deepEqual(registry.get('retried')!.definition.inputSchema, registry.get('echo')!.definition.inputSchema);
    assert.deepEqual(registry.get('retried')!.definition.outputSchema, registry.get('echo')!.definition.outputSchema);
    assert.deepEqual(registry.get('retried')!.validateArguments({}), registry.get('echo')!.validateArguments({}));
  });

  test('two tools whose inline schemas share an "$id" each keep their own schema', async () => {
    const schema = (field: string) => ({ $id: 'https://example.test/input.json', type: 'object', properties: { [field]: { type: 'string' } }, required: [field], additionalProperties: false });
    const registry = await load({
      a: { path: './graphs/basic.ts:echo', input_schema: schema('text') },
      b: { path: './graphs/basic.ts:echo', input_schema: schema('topic') },
    });
    assert.deepEqual(registry.get('a')!.validateArguments({ text: 'x' }), []);
    assert.deepEqual(registry.get('b')!.validateArguments({ topic: 'x' }), []);
    assert.match(registry.get('b')!.validateArguments({ text: 'x' }).join('\n'), /topic: required/);
  });

  test("a config schema that asks what the graph's channels cannot give is named: an input field it has no channel for, an output field required that it cannot return", async () => {
    const registry = await load({
      fits: { path: './graphs/basic.ts:echo', input_schema: { type: 'object', properties: { text: { type: 'string' } } }, output_schema: { type: 'object', properties: { echoed: { type: 'string' } }, required: ['echoed'] } },
      foreign: { path: './graphs/basic.ts:echo', input_schema: { type: 'object', properties: { query: { type: 'string' }, text: { type: 'string' } }, required: ['query'] } },
      unreturned: { path: './graphs/basic.ts:echo', output_schema: { type: 'object', properties: { result: { type: 'string' }, echoed: {} }, required: ['result', 'echoed'] } },
      own: './graphs/basic.ts:echo',
    });
    assert.deepEqual(registry.get('fits')!.schemaMismatches, []);
    assert.deepEqual(registry.get('own')!.schemaMismatches, []);
    assert.deepEqual(registry.get('foreign')!.schemaMismatches, [
      `its input_schema names "query", which the graph's input has no channel for (it has "text", "times"): LangGraph drops such a field, and the graph never sees it`,
    ]);
    assert.deepEqual(registry.get('unreturned')!.schemaMismatches, [
      `its output_schema requires "result", which the graph's output has no channel for (it has "echoed"): every call would fail with OUTPUT_INVALID`,
    ]);
  });

  test('a schema whose root is a "$ref" into its own "$defs" (zod 4 .meta({ id })) is the object it names', async () => {
    const refTo = (name: string, properties: Record<string, unknown>) => ({ $ref: `#/$defs/${name}`, $defs: { [name]: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false } } });
    const registry = await load({ echo: { path: './graphs/basic.ts:echo', input_schema: refTo('In', { text: { type: 'string' } }), output_schema: refTo('Out', { echoed: { type: 'string' } }) } });
    const tool = registry.get('echo')!;
    assert.equal(tool.definition.inputSchema.type, 'object');
    assert.deepEqual(Object.keys(tool.definition.inputSchema.properties ?? {}), ['text']);
    assert.deepEqual(Object.keys(tool.definition.outputSchema?.properties ?? {}), ['echoed']);
    assert.deepEqual(tool.validateArguments({ text: 'x' }), []);
    // The result is the final state limited to the output schema's fields, which it then passes.
    const shaped = tool.fromGraphOutput({ text: 'x', times: 1, echoed: 'x' });
    assert.deepEqual(shaped, { echoed: 'x' });
    assert.deepEqual(tool.validateOutput(shaped), []);
  });

  test('a graph whose output is its whole state requires no output field: one the run never wrote is absent, not invalid', async () => {
    const tool = (await load({ state_only: './graphs/basic.ts:stateOnly' })).get('state_only')!;
    assert.equal(tool.definition.outputSchema?.required, undefined);
    assert.deepEqual(Object.keys(tool.definition.outputSchema?.properties ?? {}).sort(), ['email', 'note', 'topic']);
    assert.deepEqual(tool.validateOutput(tool.fromGraphOutput({ topic: 't', note: 'about t' })), []);
  });

  test('a separate zod output schema does not require a field with a .default(), which LangGraph leaves unset', async () => {
    const tool = (await load({ answer: './graphs/basic.ts:outputDefault' })).get('answer')!;
    assert.deepEqual(tool.definition.outputSchema?.required, ['a']);
    const state = await tool.graph.invoke({ q: 'hi' });
    assert.equal((state as Record<string, unknown>).note, undefined, 'LangGraph did not fill in the default');
    assert.deepEqual(tool.validateOutput(tool.fromGraphOutput(state)), []);
  });

  test('a property that is a "$ref" to a definition with a "default" (zod 4 .default().meta({ id })) gets it: shown, and filled in', async () => {
    const tool = (
      await load({
        echo: {
          path: './graphs/basic.ts:echo',
          input_schema: {
            type: 'object',
            properties: { text: { type: 'string' }, unit: { $ref: '#/$defs/Unit' }, box: { type: 'object', properties: { side: { $ref: '#/$defs/Side' } } } },
            required: ['text'],
            $defs: { Unit: { type: 'string', enum: ['cm', 'mm'], default: 'cm' }, Side: { $ref: '#/$defs/Length' }, Length: { type: 'number', default: 1 } },
          },
        },
      })
    ).get('echo')!;
    const properties = tool.definition.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(properties.unit, { $ref: '#/$defs/Unit', default: 'cm' });
    const args: Record<string, unknown> = { text: 'x', box: {} };
    assert.deepEqual(tool.validateArguments(args), []);
    assert.deepEqual(args, { text: 'x', unit: 'cm', box: { side: 1 } });
    // A default given beside the $ref wins; values are left alone.
    const given = (await load({ e: { path: './graphs/basic.ts:echo', input_schema: { type: 'object', properties: { unit: { $ref: '#/$defs/Unit', default: 'mm' }, raw: { default: { properties: { p: { $ref: '#/$defs/Unit' } } } } }, $defs: { Unit: { type: 'string', default: 'cm' } } } } })).get('e')!;
    const shown = given.definition.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.equal(shown.unit?.default, 'mm');
    assert.deepEqual(shown.raw, { default: { properties: { p: { $ref: '#/$defs/Unit' } } } });
  });

  test("a caller may not send a graph's content_blocks channel, hidden from the input schema but open to it", async () => {
    const tool = (await load({ blocks: './graphs/basic.ts:withBlocks' })).get('blocks')!;
    assert.equal((tool.definition.inputSchema.properties as Record<string, unknown>).content_blocks, undefined);
    assert.deepEqual(tool.validateArguments({ x: 1 }), []);
    assert.match(tool.validateArguments({ x: 1, content_blocks: [{ type: 'resource_link', uri: 'https://evil.example/', name: 'x' }] }).join('\n'), /^content_blocks: the graph's own output/);
    // A schema from the config that leaves the object open refuses it too; one that names it offers it.
    const configured = (await load({
      open: { path: './graphs/basic.ts:withBlocks', input_schema: { type: 'object', properties: { x: { type: 'number' } } } },
      named: { path: './graphs/basic.ts:withBlocks', input_schema: { type: 'object', properties: { x: { type: 'number' }, content_blocks: { type: 'array' } } } },
    }));
    assert.match(configured.get('open')!.validateArguments({ x: 1, content_blocks: [] }).join('\n'), /^content_blocks: the graph's own output/);
    assert.deepEqual(configured.get('named')!.validateArguments({ x: 1, content_blocks: [] }), []);
  });

  test('output too deep to shape is refused naming its field, not a stack overflow', async () => {
    const tool = (await load({ any: './graphs/basic.ts:withBlocks' })).get('any')!;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i += 1) deep = { next: deep };
    assert.throws(() => tool.fromGraphOutput({ x: deep }), /^Error: x: it nests deeper than 1000 levels$/);
  });

  test("runtime context: the entry's context, else an empty one for a graph with a context schema (not graph-mcp's configurable); one the schema refuses is a start-up error", async () => {
    const registry = await load({
      strict: './graphs/basic.ts:strictContext',
      strict_fr: { path: './graphs/basic.ts:strictContext', context: { locale: 'fr' } },
      tenant: { path: './graphs/basic.ts:requiredContext', context: { tenant: 'acme' } },
      plain: './graphs/basic.ts:echo',
    });
    assert.deepEqual(registry.get('strict')!.context, {});
    assert.deepEqual(registry.get('strict_fr')!.context, { locale: 'fr' });
    assert.equal(registry.get('plain')!.context, undefined, 'a graph without a context schema is given none');
    await assert.rejects(load({ tenant: './graphs/basic.ts:requiredContext' }), /graph "tenant": its context schema refuses an empty context \(tenant: .+\): give the runtime context every run gets in graphs\.tenant\.context/);
    await assert.rejects(load({ tenant: { path: './graphs/basic.ts:requiredContext', context: { tenant: 7 } } }), /its context schema refuses graphs\.tenant\.context \(tenant: /);
  });

  test("what a graph returns that is no plain record (an entrypoint's array, Date, Map or message) is the one result, not read key by key", async () => {
    const tool = (await load({ value: './graphs/basic.ts:returnsValue' })).get('value')!;
    const expected: Record<string, unknown> = {
      array: { result: [1, 'two', { three: 3 }] },
      date: { result: '2024-01-02T03:04:05.000Z' },
      map: { result: { a: 1 } },
      number: { result: 42 },
      plain: { plain: true },
    };
    for (const [kind, shaped] of Object.entries(expected)) {
      const out = tool.fromGraphOutput(await tool.graph.invoke({ kind }));
      assert.deepEqual(out, shaped, kind);
      assert.deepEqual(tool.validateOutput(out), [], kind);
    }
    const message = tool.fromGraphOutput(await tool.graph.invoke({ kind: 'message' })) as { result?: { type?: string; content?: unknown } };
    assert.equal(message.result?.type, 'ai');
    assert.equal(message.result?.content, 'hi there');
    // An output schema that names fields reads them off such a value (a chain's message, a class instance).
    const named = (await load({ chain: { path: './graphs/basic.ts:echo', output_schema: { type: 'object', properties: { content: { type: 'string' } }, required: ['content'] } } })).get('chain')!;
    const { AIMessage } = await import('@langchain/core/messages');
    assert.deepEqual(named.fromGraphOutput(new AIMessage('hello from chain')), { content: 'hello from chain' });
    class Answer {
      constructor(readonly content: string) {}
    }
    assert.deepEqual(named.fromGraphOutput(new Answer('a:x')), { content: 'a:x' });
  });

  test('a number JSON cannot hold (1e400 parses as Infinity) is refused by a number or integer field; an open field keeps it', async () => {
    const schema = { type: 'object', properties: { ms: { type: 'integer', minimum: 0 }, ratio: { type: 'number' }, anything: {} } };
    const tool = (await load({ echo: { path: './graphs/basic.ts:echo', input_schema: schema } })).get('echo')!;
    const { ms, ratio } = JSON.parse('{"ms":1e400,"ratio":-1e400}') as { ms: number; ratio: number };
    assert.deepEqual(tool.validateArguments({ ms, ratio }), ['ms: must be integer', 'ratio: must be number']);
    assert.deepEqual(tool.validateArguments({ ms: 5, ratio: 0.5, anything: ms }), []);
  });

  test('a "format" is checked: a string that is no email address, or no date, is refused naming its field', async () => {
    const schema = { type: 'object', properties: { email: { type: 'string', format: 'email' }, day: { type: 'string', format: 'date' } } };
    const tool = (await load({ echo: { path: './graphs/basic.ts:echo', input_schema: schema } })).get('echo')!;
    assert.deepEqual(tool.validateArguments({ email: 'not an address', day: '2024-13-45' }), ['email: must match format "email"', 'day: must match format "date"']);
    assert.deepEqual(tool.validateArguments({ email: 'a@example.com', day: '2024-02-29' }), []);
  });

  test('a schema that declares draft-07 is checked as draft-07: a tuple\'s "items" array loads and checks each place', async () => {
    const tuple = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], minItems: 2 } }, required: ['pair'] };
    const tool = (await load({ echo: { path: './graphs/basic.ts:echo', input_schema: tuple } })).get('echo')!;
    assert.deepEqual(tool.validateArguments({ pair: ['a', 1] }), []);
    assert.deepEqual(tool.validateArguments({ pair: [1, 'a'] }), ['pair[0]: must be string', 'pair[1]: must be number']);
  });

  test('a graph with breakpoints is refused, naming them: a run stopped there answered its partial state as done', async () => {
    await assert.rejects(
      load({ g: './graphs/not-graphs.ts:breakBefore' }),
      failsWith('GRAPH_INVALID', /graph "g": the graph has breakpoints, interruptBefore \(\["act"\]\): .* call interrupt\(\) in the node that needs a person/),
    );
    await assert.rejects(load({ g: './graphs/not-graphs.ts:breakAfterAll' }), failsWith('GRAPH_INVALID', /the graph has breakpoints, interruptAfter \("\*"\)/));
    // Also under a binding, which calls the graph it wraps.
    await assert.rejects(load({ g: './graphs/not-graphs.ts:breakRetried' }), failsWith('GRAPH_INVALID', /the graph has breakpoints, interruptBefore \(\["act"\]\)/));
    // Bound by .withConfig() (under a binding too), and in a subgraph that is a node.
    await assert.rejects(load({ g: './graphs/not-graphs.ts:breakBound' }), failsWith('GRAPH_INVALID', /the graph has breakpoints, interruptBefore \(\["act"\]\)/));
    await assert.rejects(load({ g: './graphs/not-graphs.ts:breakBoundRetried' }), failsWith('GRAPH_INVALID', /the graph has breakpoints, interruptAfter \("\*"\)/));
    await assert.rejects(load({ g: './graphs/not-graphs.ts:breakInSubgraph' }), failsWith('GRAPH_INVALID', /its subgraph "inner" has breakpoints, interruptBefore \(\["act"\]\)/));
    // Beside a subgraph whose own cannot be listed (a RemoteGraph's listing is asynchronous).
    await assert.rejects(load({ g: './graphs/not-graphs.ts:breakBesideRemote' }), failsWith('GRAPH_INVALID', /its subgraph "inner" has breakpoints/));
  });

  test('2020-12 tuples are shown as draft-07 readers read them too; names in properties and $defs are names, values are values', async () => {
    const pair = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    const schema = {
      type: 'object',
      properties: { items: pair, prefixItems: { type: 'string' }, default: { ...pair, maxItems: 1 }, ref: { $ref: '#/$defs/rest' }, not_rest: { not: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } } } },
      $defs: { rest: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } } },
      default: { items: [], prefixItems: [1] },
    };
    const tool = (await load({ echo: { path: './graphs/basic.ts:echo', input_schema: schema } })).get('echo')!;
    assert.deepEqual(tool.definition.inputSchema, {
      type: 'object',
      properties: {
        items: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], maxItems: 2 },
        prefixItems: { type: 'string' },
        default: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], maxItems: 1 },
        ref: { $ref: '#/$defs/rest' },
        // Under `not`, as written: without its rest schema it would refuse every array starting with a string.
        not_rest: { not: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } } },
      },
      $defs: { rest: { type: 'array', prefixItems: [{ type: 'string' }] } },
      default: { items: [], prefixItems: [1] },
    });
    // What is checked is the schema as given.
    assert.deepEqual(tool.validateArguments({ ref: ['a', 'b'] }), ['ref[1]: must be number']);
    assert.deepEqual(tool.validateArguments({ items: ['a', 1, 2] }), ['items: must NOT have more than 2 items']);
  });

  test('a zod 4 state with a Date: that field is left open, the others keep their types', async () => {
    const tool = (await load({ dated: './graphs/basic.ts:dated' })).get('dated')!;
    const input = tool.definition.inputSchema.properties as Record<string, { type?: string }>;
    assert.equal(input.text?.type, 'string');
    assert.equal(input.count?.type, 'number');
    assert.equal(input.when?.type, undefined);
    assert.deepEqual(tool.validateArguments({ text: 'x' }), []);
    assert.match(tool.validateArguments({ text: 1 }).join('\n'), /text: must be string/);
    assert.equal((tool.definition.outputSchema?.properties as Record<string, { type?: string }>).count?.type, 'number');
  });

  test('the example triage graph exposes its zod input and output', async () => {
    const registry = await load({ triage: './graphs/triage.ts:graph' }, ROOT);
    const { inputSchema, outputSchema } = registry.get('triage')!.definition;
    assert.deepEqual(inputSchema.required, ['title', 'body']);
    assert.deepEqual((inputSchema.properties as any).customer_tier.enum, ['free', 'pro', 'enterprise']);
    assert.deepEqual(Object.keys(outputSchema?.properties ?? {}).sort(), ['category', 'priority', 'route_to', 'summary']);
  });

  test('an Annotation graph has no types: each channel is a field of any type', async () => {
    const registry = await load({ upper: './graphs/basic.ts:makeGraph' });
    const tool = registry.get('upper')!;
    assert.deepEqual(tool.definition.inputSchema, { type: 'object', properties: { value: {} } });
  });

  test('a MessagesState graph takes a required `message` string and returns the final AI text', async () => {
    const registry = await load({ agent: './graphs/agent.ts:graph' }, ROOT);
    const tool = registry.get('agent')!;
    assert.deepEqual(tool.definition.inputSchema.required, ['message']);
    assert.equal((tool.definition.inputSchema.properties as any).message.type, 'string');
    assert.equal((tool.definition.inputSchema.properties as any).messages, undefined, 'no raw message array');
    assert.deepEqual(tool.toGraphInput({ message: 'hi' }), { messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(Object.keys(tool.definition.outputSchema?.properties ?? {}), ['message']);
  });

  test("a state with a `message` of its own beside `messages` keeps its own: neither field is replaced by graph-mcp's message string", async () => {
    const tool = (await load({ own: './graphs/basic.ts:ownMessage' })).get('own')!;
    assert.deepEqual(Object.keys(tool.definition.inputSchema.properties ?? {}).sort(), ['message', 'messages', 'seen']);
    assert.notEqual((tool.definition.inputSchema.properties as any).message.type, 'string', "the graph's own field, not graph-mcp's");
    const args = { message: { subject: 'invoice' }, messages: [{ role: 'user', content: 'hi' }] };
    assert.deepEqual(tool.toGraphInput(args), args);
    const state = await tool.graph.invoke(tool.toGraphInput(args));
    const out = tool.fromGraphOutput(state) as Record<string, unknown>;
    assert.deepEqual(out.message, { subject: 'invoice' });
    assert.equal(out.seen, 'invoice; 1 messages');
    assert.deepEqual(tool.validateOutput(out), []);
  });

  test("a config output_schema naming content_blocks is told that channel goes out as content blocks, and the tool is listed and checked without it", async () => {
    const tool = (
      await load({
        blocks: {
          path: './graphs/basic.ts:withBlocks',
          output_schema: { type: 'object', properties: { x: { type: 'number' }, content_blocks: { type: 'array' } }, required: ['x', 'content_blocks'] },
        },
      })
    ).get('blocks')!;
    assert.deepEqual(Object.keys(tool.definition.outputSchema?.properties ?? {}), ['x']);
    assert.deepEqual(tool.definition.outputSchema?.required, ['x']);
    assert.deepEqual(tool.validateOutput({ x: 1 }), []);
    assert.deepEqual(tool.schemaMismatches, ['its output_schema names "content_blocks", which graph-mcp sends as the content blocks of the result, never in its structured output: it is left out of the schema']);
  });

  test('config schemas win over the graph\'s own; a zod export can be referenced', async () => {
    const registry = await load({
      inline: { path: './graphs/basic.ts:echo', input_schema: { type: 'object', properties: { text: { type: 'string', maxLength: 3 } }, required: ['text'] } },
      referenced: { path: './graphs/basic.ts:makeGraph', input_schema: './graphs/basic.ts:EchoInput' },
    });
    assert.equal((registry.get('inline')!.definition.inputSchema.properties as any).text.maxLength, 3);
    const referenced = registry.get('referenced')!.definition.inputSchema;
    assert.deepEqual(referenced.required, ['text'], 'io: input leaves defaulted fields optional');
    assert.equal((referenced.properties as any).times.default, 1);
  });

  test("createAgent's structuredResponse (a channel LangGraph's schema leaves out) is an output field, kept in the result", async () => {
    const registry = await load({ reporting: './graphs/agents.ts:reportingAgent' });
    const tool = registry.get('reporting')!;
    const output = tool.definition.outputSchema!;
    assert.deepEqual(Object.keys(output.properties ?? {}).sort(), ['message', 'structuredResponse']);
    const state = await tool.graph.invoke(tool.toGraphInput({ message: 'weather in Paris?' }));
    assert.deepEqual((tool.fromGraphOutput(state) as { structuredResponse?: unknown }).structuredResponse, { city: 'Paris', temperature: 21 });
    // Such a channel in a whole state (no separate output) holds what is not to be kept: it stays out.
    const states = (await load({ states: './graphs/agents.ts:stateSchemaGraph' })).get('states')!;
    assert.deepEqual(Object.keys(states.definition.outputSchema?.properties ?? {}), ['text']);
    assert.deepEqual(states.fromGraphOutput(await states.graph.invoke({ text: 'hi' })), { text: 'hi' });
  });

  test('no field of a tool schema carries its own "$schema" (JSON Schema allows it only at the root)', async () => {
    const registry = await load({ reporting: './graphs/agents.ts:reportingAgent', states: './graphs/agents.ts:stateSchemaGraph' });
    const states = registry.get('states')!.definition.inputSchema;
    assert.deepEqual(Object.keys(states.properties ?? {}), ['text']);
    assert.equal(states.$schema, 'http://json-schema.org/draft-07/schema#', "the fields' own dialect, moved to the root");
    for (const tool of registry.tools) {
      for (const schema of [tool.definition.inputSchema, tool.definition.outputSchema]) {
        for (const [name, field] of Object.entries(schema?.properties ?? {})) assert.equal((field as { $schema?: unknown }).$schema, undefined, `${tool.name}: ${name}`);
      }
    }
  });

  test('output is limited to the output schema and turned into plain JSON', async () => {
    const registry = await load({ echo: './graphs/basic.ts:echo', agent: path.join(ROOT, 'graphs/agent.ts') + ':graph' });
    const echo = registry.get('echo')!;
    assert.deepEqual(echo.fromGraphOutput({ echoed: 'x', text: 'internal', times: 2 }), { echoed: 'x' });
    const agent = registry.get('agent')!;
    const state = await agent.graph.invoke(agent.toGraphInput({ message: 'what is 2 plus 3' }));
    assert.deepEqual(agent.fromGraphOutput(state), { message: 'The answer is 5.' });
  });
});

describe('graph exports', () => {
  test('an uncompiled StateGraph is compiled, a factory function is called', async () => {
    const registry = await load({ echo: './graphs/basic.ts:echo', upper: './graphs/basic.ts:makeGraph' });
    assert.deepEqual(await registry.get('echo')!.graph.invoke({ text: 'a', times: 2 }), { echoed: 'a a' });
    assert.deepEqual(await registry.get('upper')!.graph.invoke({ value: 'abc' }), { value: 'ABC' });
  });

  test('a plain JavaScript module loads like a TypeScript one', async () => {
    const registry = await load({ double: './graphs/plain.js:graph' });
    assert.deepEqual(await registry.get('double')!.graph.invoke({ n: 21 }), { n: 21, doubled: 42 });
  });

  describe('in a CommonJS package (no "type": "module", as npm init writes it)', () => {
    let project: string;
    before(async () => {
      project = await mkdtemp(path.join(tmpdir(), 'graph-mcp-commonjs-'));
      await mkdir(path.join(project, 'graphs'));
      await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'commonjs-agents', private: true }));
      await symlink(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
      // TypeScript written with import/export, one module importing another.
      await writeFile(path.join(project, 'graphs/greeting.ts'), `export const greet = (name: string): string => \`Hello, \${name}!\`;\n`);
      await writeFile(
        path.join(project, 'graphs/hello.ts'),
        `import { END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';
import { greet } from './greeting';

const Input = z.object({ name: z.string() });
const Output = z.object({ greeting: z.string() });
const State = Input.extend({ greeting: z.string().optional() });
export const graph = new StateGraph({ state: State, input: Input, output: Output })
  .addNode('greet', (state: z.infer<typeof State>) => ({ greeting: greet(state.name) }))
  .addEdge(START, 'greet')
  .addEdge('greet', END)
  .compile();
export default graph;
`,
      );
      // Plain CommonJS JavaScript: exports Node cannot see from the source.
      await writeFile(
        path.join(project, 'graphs/plain.js'),
        `const { Annotation, END, START, StateGraph } = require('@langchain/langgraph');
const State = Annotation.Root({ n: Annotation(), doubled: Annotation() });
Object.assign(module.exports, {
  doubler: new StateGraph(State).addNode('double', (state) => ({ doubled: state.n * 2 })).addEdge(START, 'double').addEdge('double', END).compile(),
});
`,
      );
    });
    after(() => rm(project, { recursive: true, force: true }));

    test('graph-mcp check loads it where only ESM hooks came first (as the bin runs: no TypeScript loader of its own)', async () => {
      // This test process already has tsx's CommonJS hook (the runner's --import tsx);
      // tsx/esm alone lets the CLI run from source without it.
      await writeFile(path.join(project, 'agent.config.json'), JSON.stringify({ graphs: { hello: './graphs/hello.ts:graph' }, store: { type: 'none' } }));
      const check = spawnSync(process.execPath, ['--import', 'tsx/esm', CLI, 'check'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /^hello\(name\)/m);
    });

    test("its tsconfig's path aliases resolve whatever the working directory (tsx looked only there)", async () => {
      await mkdir(path.join(project, 'graphs/lib'), { recursive: true });
      await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['graphs/lib/*'] } } }));
      await writeFile(path.join(project, 'graphs/lib/shout.ts'), `export const shout = (text: string): string => text.toUpperCase();\n`);
      await writeFile(
        path.join(project, 'graphs/aliased.ts'),
        `import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { shout } from '@lib/shout';
const State = Annotation.Root({ text: Annotation<string>, loud: Annotation<string> });
export const graph = new StateGraph(State).addNode('shout', (s) => ({ loud: shout(s.text) })).addEdge(START, 'shout').addEdge('shout', END).compile();
`,
      );
      const config = path.join(project, 'aliased.config.json');
      await writeFile(config, JSON.stringify({ graphs: { aliased: './graphs/aliased.ts:graph' }, store: { type: 'none' } }));
      // tsx's ESM hooks by their full URL: a bare 'tsx/esm' would be looked up from the working directory.
      const check = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx/esm'), CLI, 'check', '--config', config], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 });
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /^aliased\(text, loud\)/m);
    });

    test('a tsconfig tsx cannot use is named, with the graph it was found for (the error named neither)', async () => {
      const other = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bad-tsconfig-'));
      try {
        await mkdir(path.join(other, 'graphs'));
        await symlink(path.join(ROOT, 'node_modules'), path.join(other, 'node_modules'), 'dir');
        await writeFile(path.join(other, 'graphs/tsconfig.json'), JSON.stringify({ extends: '@not-installed/base/tsconfig.json' }));
        await writeFile(path.join(other, 'graphs/g.ts'), `export const graph = 1;\n`);
        const config = path.join(other, 'agent.config.json');
        await writeFile(config, JSON.stringify({ graphs: { g: './graphs/g.ts:graph' }, store: { type: 'none' } }));
        const check = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx/esm'), CLI, 'check', '--config', config], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 });
        assert.equal(check.status, 1);
        assert.match(check.stderr, /TypeScript modules cannot load: tsx cannot use \S+graphs\/tsconfig\.json, the nearest to \S+graphs\/g\.ts: File '@not-installed\/base\/tsconfig\.json' not found/);
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    });

    test('a TypeScript graph written with import/export loads, and so does its import', async () => {
      const registry = await load({ hello: './graphs/hello.ts:graph' }, project);
      assert.deepEqual(await registry.get('hello')!.graph.invoke({ name: 'Ada' }), { greeting: 'Hello, Ada!' });
      assert.deepEqual(registry.get('hello')!.definition.inputSchema.required, ['name']);
    });

    test("a TypeScript module's default export, named :default or by the module alone (as langgraph.json may)", async () => {
      // Compiled to CommonJS, its namespace's default is the whole module.exports ({ __esModule, default, graph }).
      const registry = await load({ named: './graphs/hello.ts:default', bare: './graphs/hello.ts' }, project);
      for (const name of ['named', 'bare']) {
        assert.deepEqual(await registry.get(name)!.graph.invoke({ name: 'Ada' }), { greeting: 'Hello, Ada!' }, name);
      }
    });

    test("a CommonJS module's exports are found, and named when one is missing", async () => {
      const registry = await load({ double: './graphs/plain.js:doubler' }, project);
      assert.deepEqual(await registry.get('double')!.graph.invoke({ n: 21 }), { n: 21, doubled: 42 });
      await assert.rejects(load({ g: './graphs/plain.js:graph' }, project), failsWith('EXPORT_NOT_FOUND', /plain\.js has no export "graph" \(exports: doubler\)/));
    });
  });

  test('a graph whose module is slow to load is named while start-up waits for it, and loads when it is done', async () => {
    const slow: Array<[string, string, number]> = [];
    const loading = loadGraphTools(resolveConfig({ graphs: { quick: './graphs/basic.ts:echo', late: './graphs/slow-module.ts:graph' } }, { baseDir: FIXTURES }), {
      slowLoadMs: 50,
      onSlowLoad: (graph, spec, ms) => slow.push([graph, spec, ms]),
    });
    const gate = globalThis as { releaseSlowModule?: () => void };
    for (let i = 0; i < 200 && (slow.length === 0 || gate.releaseSlowModule === undefined); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(slow, [['late', './graphs/slow-module.ts:graph', 50]], 'only the graph still loading is named');
    gate.releaseSlowModule!();
    const registry = await loading;
    assert.deepEqual(registry.tools.map((tool) => tool.name), ['quick', 'late']);
    assert.equal(slow.length, 1, 'named once');
  });

  test('lookups return the tools built at start-up', async () => {
    const registry = await load({ a: './graphs/basic.ts:echo', b: './graphs/basic.ts:throws' });
    assert.equal(registry.get('a'), registry.tools[0]);
    assert.equal(registry.definitions[1], registry.tools[1]!.definition);
    assert.equal(registry.get('missing'), undefined);
  });
});

describe('start-up errors name the graph', () => {
  test('an invalid tool name', async () => {
    // The config refuses them first (see load.test.ts); an entry made some other way is refused at load.
    await assert.rejects(async () => load({ 'bad name!': './graphs/basic.ts:echo' }), failsWith('CONFIG_INVALID', /graphs\.bad name!: not a valid MCP tool name/));
    const [entry] = resolveConfig({ graphs: { fine: './graphs/basic.ts:echo' } }, { baseDir: FIXTURES }).graphs;
    await assert.rejects(loadGraphTool({ ...entry!, name: 'bad name!' }), failsWith('TOOL_NAME_INVALID', /graph "bad name!": .*not a valid MCP tool name/));
    await assert.rejects(loadGraphTool({ ...entry!, name: 'x'.repeat(129) }), failsWith('TOOL_NAME_INVALID', /not a valid MCP tool name/));
    await assert.rejects(loadGraphTool({ ...entry!, name: 'resume_run' }), failsWith('TOOL_NAME_INVALID', /graph "resume_run": .*graph-mcp's own tools/));
  });

  test('a module that does not exist', async () => {
    await assert.rejects(load({ ghost: './graphs/nope.ts:graph' }), failsWith('MODULE_LOAD_FAILED', /graph "ghost": cannot load \.\/graphs\/nope\.ts:graph/));
    // A langgraph.json's Python graph, there or not: said to be one, not in the words of Node's loader.
    await assert.rejects(
      load({ py: './graphs/agent.py:graph' }),
      failsWith('MODULE_LOAD_FAILED', /^graph "py": \.\/graphs\/agent\.py:graph is a Python module: graph-mcp serves LangGraph\.js graphs \(JavaScript or TypeScript modules\) only$/),
    );
    // Not where inside graph-mcp the import was made.
    await assert.rejects(load({ ghost: './graphs/nope.ts:graph' }), (error: Error) => !/load-module|imported from/.test(error.message));
  });

  test('a module path written with backslashes (a Windows path) is refused saying to use forward slashes, not in the words of Node\'s loader', { skip: process.platform === 'win32' }, async () => {
    await assert.rejects(
      load({ win: '.\\graphs\\basic.ts:echo' }),
      failsWith('MODULE_LOAD_FAILED', /^graph "win": \.\\graphs\\basic\.ts:echo is written with backslashes: write a module path with forward slashes \(\.\/graphs\/basic\.ts:echo\), which every system reads$/),
    );
  });

  test('several graphs that do not load are all named at once, in config order, the good ones among them passed over', async () => {
    await assert.rejects(
      load({ ghost: './graphs/nope.ts:graph', fine: './graphs/basic.ts:echo', unnamed: './graphs/basic.ts:noSuchExport', plain: './graphs/basic.ts:notAGraph' }),
      (error: unknown) => {
        assert.ok(isGraphMcpError(error), String(error));
        assert.equal(error.code, 'MODULE_LOAD_FAILED', 'the first failure\'s code');
        const lines = error.message.split('\n');
        assert.equal(lines[0], '3 graphs failed to load:');
        assert.deepEqual(lines.slice(1).map((line) => /^- graph "([^"]+)": /.exec(line)?.[1]), ['ghost', 'unnamed', 'plain']);
        assert.match(lines[2]!, /has no export "noSuchExport"/);
        assert.deepEqual((error.details?.failures as Array<{ code: string }>).map((failure) => failure.code), ['MODULE_LOAD_FAILED', 'EXPORT_NOT_FOUND', 'GRAPH_INVALID']);
        return true;
      },
    );
    // One alone is said as it was.
    await assert.rejects(load({ ghost: './graphs/nope.ts:graph', fine: './graphs/basic.ts:echo' }), failsWith('MODULE_LOAD_FAILED', /^graph "ghost": cannot load/));
  });

  test('after a graph failed, a later one that does not finish loading is not waited for past the slow-load time: named as still loading', { timeout: 30_000 }, async () => {
    const slow: string[] = [];
    const failed = await loadGraphTools(resolveConfig({ graphs: { ghost: './graphs/nope.ts:graph', stuck: './graphs/never.ts:never', fine: './graphs/basic.ts:echo' } }, { baseDir: FIXTURES }), {
      slowLoadMs: 100,
      onSlowLoad: (graph) => slow.push(graph),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isGraphMcpError(failed), String(failed));
    assert.deepEqual(slow, [], 'not said to be waited for: it is not');
    assert.deepEqual(failed.message.split('\n').slice(0, 1), ['2 graphs failed to load:']);
    assert.match(failed.message, /^- graph "stuck": still loading after 0\.1 s \(\.\/graphs\/never\.ts:never\); not waited for, as start-up fails anyway \(not tried after it: "fine"\)$/m);
  });

  test("a factory's error loses any URL's password at start-up, as a run's does", async () => {
    await assert.rejects(load({ f: './graphs/basic.ts:failingFactory' }), (error: Error) => {
      assert.match(error.message, /the graph factory threw: factory could not reach postgres:\/\/app:\[redacted\]@db\.internal\/app/);
      assert.ok(!error.message.includes('hunter2'));
      return true;
    });
  });

  test("an ES module's default export is no module.exports: a graph's own fields are not exports, nor listed as such", async () => {
    const registry = await load({ whole: './graphs/default-graph.ts:default', named: './graphs/default-graph.ts:named' });
    assert.deepEqual(await registry.get('whole')!.graph.invoke({ text: 'hi' }), { text: 'hi!' });
    // The description it was compiled with is its tool's, where the config gives none.
    assert.equal(registry.get('whole')!.definition.description, 'Adds an exclamation mark to the text.');
    // An uncompiled one too: its builder's fields (nodes, channels) are no exports.
    const uncompiled = await load({ b: './graphs/default-builder.ts' });
    assert.deepEqual(await uncompiled.get('b')!.graph.invoke({ text: 'hi' }), { text: 'hi!' });
    for (const field of ['nodes', 'channels', 'missing']) {
      await assert.rejects(load({ g: `./graphs/default-builder.ts:${field}` }), failsWith('EXPORT_NOT_FOUND', new RegExp(`has no export "${field}" \\(exports: note\\)$`)));
    }
    // A CommonJS module.exports that is a class's instance (a registry of graphs) is still read.
    const fromRegistry = await load({ r: './graphs/registry.cjs:graph' });
    assert.deepEqual(await fromRegistry.get('r')!.graph.invoke({ text: 'hi' }), { text: 'hi!' });
    for (const field of ['builder', 'checkpointer', 'nodes']) {
      await assert.rejects(load({ g: `./graphs/default-graph.ts:${field}` }), failsWith('EXPORT_NOT_FOUND', new RegExp(`has no export "${field}" \\(exports: named\\)$`)));
    }
  });

  test('a missing export lists what the module exports', async () => {
    await assert.rejects(load({ g: './graphs/basic.ts:nothing' }), failsWith('EXPORT_NOT_FOUND', /graph "g": .*basic\.ts has no export "nothing" \(exports: .*echo/));
  });

  test('an export that is not a graph', async () => {
    await assert.rejects(load({ g: './graphs/basic.ts:notAGraph' }), failsWith('GRAPH_INVALID', /graph "g": the export is not a LangGraph graph/));
    // A model has invoke() and stream() too, but every call of it failed ("promptValue.toChatMessages is not a function").
    await assert.rejects(load({ g: './graphs/not-graphs.ts:chatModel' }), failsWith('GRAPH_INVALID', /graph "g": the export is a model \(FakeListChatModel\), not a graph: it takes messages, not a state/));
  });

  test('a runnable that is not a graph (a RunnableLambda, a chain) still loads as a tool, as before', async () => {
    const registry = await load({ lambda: './graphs/not-graphs.ts:lambda' });
    assert.deepEqual(await registry.get('lambda')!.graph.invoke({ text: 'hi' }), { text: 'HI' });
    await assert.rejects(load({ g: './graphs/basic.ts:factoryOfNumber' }), failsWith('GRAPH_INVALID', /got a function returning number\)/));
  });

  test('a schema whose root is not an object', async () => {
    await assert.rejects(
      load({ g: { path: './graphs/basic.ts:echo', input_schema: { type: 'string' } } }),
      failsWith('SCHEMA_INVALID', /graph "g": input schema: MCP requires an object schema/),
    );
  });

  test('task_starts_at naming a node the graph lacks, or on a graph that never runs as a task', async () => {
    await assert.rejects(
      load({ g: { path: './graphs/hitl.ts:askThenWork', task_starts_at: ['work', 'wrok'] } }),
      failsWith('CONFIG_INVALID', /graph "g": graphs\.g\.task_starts_at names "wrok", not a node of the graph \(its nodes: ask, work\)/),
    );
    await assert.rejects(
      load({ g: { path: './graphs/hitl.ts:askThenWork', task: 'never', task_starts_at: 'work' } }),
      failsWith('CONFIG_INVALID', /graph "g": graphs\.g\.task_starts_at names where a task begins, but the graph never runs as a task/),
    );
    const [tool] = (await load({ g: { path: './graphs/hitl.ts:askThenWork', task_starts_at: 'work' } })).tools;
    assert.deepEqual(tool?.taskStartsAt, ['work']);
  });
});
