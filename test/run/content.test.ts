// Content blocks: LangChain forms mapped to MCP, validation, size limit, secrets.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { collectContent, shapeContent } from '../../src/run/content.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { callModern } from '../helpers/raw.js';
import { PNG_BASE64 } from '../fixtures/graphs/content.js';

const LIMIT = { maxBytes: 1024 };
const PNG_BYTES = Buffer.from(PNG_BASE64, 'base64');

function shaped(raw: unknown[], structured: Record<string, unknown> = {}, options: Parameters<typeof shapeContent>[2] = LIMIT) {
  const result = shapeContent(raw, structured, options);
  assert.ok(result.ok, `expected content, got: ${result.ok ? '' : result.problem}`);
  return result.content;
}

function refused(raw: unknown[], options: Parameters<typeof shapeContent>[2] = LIMIT): string {
  const result = shapeContent(raw, {}, options);
  assert.ok(!result.ok, `expected a refusal, got ${JSON.stringify(result)}`);
  return result.problem;
}

describe('shapeContent', () => {
  test('no blocks: the structured output as JSON text, as before', () => {
    assert.deepEqual(shaped([], { a: 1 }), [{ type: 'text', text: '{"a":1}' }]);
    assert.deepEqual(shaped([], {}), [{ type: 'text', text: '{}' }]);
  });

  test('blocks first, then the JSON text unless the structured output is empty', () => {
    assert.deepEqual(shaped(['hello'], { a: 1 }), [
      { type: 'text', text: 'hello' },
      { type: 'text', text: '{"a":1}' },
    ]);
    assert.deepEqual(shaped(['hello'], {}), [{ type: 'text', text: 'hello' }]);
  });

  test('LangChain forms: bytes, source_type blocks, data: URLs, remote URLs', () => {
    assert.deepEqual(shaped([{ type: 'image', data: new Uint8Array(PNG_BYTES), mimeType: 'image/png' }]), [
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    ]);
    assert.deepEqual(shaped([{ type: 'image', source_type: 'base64', data: PNG_BASE64, mime_type: 'image/png', id: 'lc-1', metadata: { x: 1 } }]), [
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    ]);
    assert.deepEqual(shaped([{ type: 'image_url', image_url: `data:image/png;base64,${PNG_BASE64}` }]), [
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    ]);
    // Not base64: percent-encoded text (an SVG written inline), carried as base64 (it was a link named ">").
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';
    assert.deepEqual(shaped([{ type: 'image_url', image_url: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` }]), [
      { type: 'image', data: Buffer.from(svg).toString('base64'), mimeType: 'image/svg+xml' },
    ]);
    assert.match(refused([{ type: 'image_url', image_url: 'data:image/svg+xml,%E0%A4%A' }]), /not validly percent-encoded/);
    // A data: URL in capitals, or after a space, is one still (it went out as a link named by its payload).
    for (const url of [`DATA:image/png;base64,${PNG_BASE64}`, `Data:image/png;BASE64,${PNG_BASE64}`, ` data:image/png;base64,${PNG_BASE64}`]) {
      assert.deepEqual(shaped([{ type: 'image', url }]), [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }], url);
    }
    // A remote URL goes out as a URL parser reads it, not as written (spaces, a line break).
    assert.deepEqual(shaped([{ type: 'image', url: ' https://cdn.example.com/a b.png\n' }]), [{ type: 'resource_link', uri: 'https://cdn.example.com/a%20b.png', name: 'a%20b.png' }]);
    // One that names no media type, on a block that gives none, is said to, not to be text/plain.
    assert.match(refused([{ type: 'image', url: `data:;base64,${PNG_BASE64}` }]), /the data: URL names no media type, and the block gives no mimeType/);
    assert.deepEqual(shaped([{ type: 'image', url: `data:;base64,${PNG_BASE64}`, mimeType: 'image/png' }]), [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }]);
    // Sent as a block of its own, a part known only by its provider's file id is refused saying so.
    assert.match(refused([{ type: 'image', fileId: 'file-abc' }]), /an image known only by its provider's file id cannot be sent/);
    // Anthropic's message form (ChatAnthropic's answers): it failed the whole answer, needing "data" or "url".
    assert.deepEqual(shaped([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }]), [
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    ]);
    assert.deepEqual(shaped([{ type: 'image', source: { type: 'url', url: 'https://cdn.example.com/a/chart.png' } }]), [
      { type: 'resource_link', uri: 'https://cdn.example.com/a/chart.png', name: 'chart.png' },
    ]);
    assert.deepEqual(shaped([{ type: 'audio', url: 'https://cdn.example.com/a/voice.mp3', mimeType: 'audio/mpeg' }]), [
      { type: 'resource_link', uri: 'https://cdn.example.com/a/voice.mp3', name: 'voice.mp3', mimeType: 'audio/mpeg' },
    ]);
  });

  test("files in LangChain's, OpenAI's and Anthropic's forms: embedded by their bytes or text, linked by their URL", () => {
    const pdf = Buffer.from('%PDF-1.4 tiny').toString('base64');
    const embeddedPdf = { type: 'resource', resource: { uri: 'file:///q3%20report.pdf', mimeType: 'application/pdf', blob: pdf } };
    for (const block of [
      { type: 'file', data: pdf, mimeType: 'application/pdf', metadata: { filename: 'q3 report.pdf' } }, // LangChain v1
      { type: 'file', data: Buffer.from(pdf, 'base64'), mimeType: 'application/pdf', metadata: { name: 'q3 report.pdf' } },
      { type: 'file', source_type: 'base64', data: pdf, mime_type: 'application/pdf', metadata: { filename: 'q3 report.pdf' } }, // LangChain v0
      { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'q3 report.pdf' } }, // OpenAI
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'q3 report.pdf' }, // Anthropic
    ]) {
      assert.deepEqual(shaped([block]), [embeddedPdf], JSON.stringify(block).slice(0, 80));
    }
    assert.deepEqual(shaped([{ type: 'file', source_type: 'text', text: 'a,b\n1,2', mime_type: 'text/csv' }]), [
      { type: 'resource', resource: { uri: 'file:///file', mimeType: 'text/csv', text: 'a,b\n1,2' } },
    ]);
    assert.deepEqual(shaped([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' }, title: 'notes.txt' }]), [
      { type: 'resource', resource: { uri: 'file:///notes.txt', mimeType: 'text/plain', text: 'notes' } },
    ]);
    assert.deepEqual(shaped([{ type: 'file', url: 'https://files.example.com/a/q3.csv', mimeType: 'text/csv' }]), [
      { type: 'resource_link', uri: 'https://files.example.com/a/q3.csv', name: 'q3.csv', mimeType: 'text/csv' },
    ]);
    assert.deepEqual(shaped([{ type: 'document', source: { type: 'url', url: 'https://files.example.com/b.pdf' }, title: 'B' }]), [
      { type: 'resource_link', uri: 'https://files.example.com/b.pdf', name: 'B' },
    ]);
    assert.match(refused([{ type: 'file', fileId: 'file-abc', mimeType: 'application/pdf' }]), /content block 0: a file known only by its provider's file id cannot be sent/);
    assert.match(refused([{ type: 'file', file: { file_id: 'file-abc' } }]), /provider's file id/);
    assert.match(refused([{ type: 'file', mimeType: 'application/pdf' }]), /a file block needs "data"/);
    assert.match(refused([{ type: 'file', data: 'not base64!' }]), /resource\.blob" must be non-empty, padded base64/);
  });

  test('annotations and _meta travel with a block', () => {
    const block = { type: 'text', text: 'x', annotations: { audience: ['user'], priority: 0.5 }, _meta: { 'example/k': 1 } };
    assert.deepEqual(shaped([block]), [block]);
    // Also when a remote image becomes a link.
    assert.deepEqual(shaped([{ type: 'image', url: 'https://cdn.example.com/c.png', annotations: { priority: 1 }, _meta: { 'example/k': 2 } }]), [
      { type: 'resource_link', uri: 'https://cdn.example.com/c.png', name: 'c.png', annotations: { priority: 1 }, _meta: { 'example/k': 2 } },
    ]);
  });

  test("bytes in every form an image's data takes, also as a resource's blob; an empty file embeds", () => {
    const base64 = PNG_BYTES.toString('base64');
    const arrayBuffer = PNG_BYTES.buffer.slice(PNG_BYTES.byteOffset, PNG_BYTES.byteOffset + PNG_BYTES.byteLength);
    assert.deepEqual(shaped([{ type: 'image', data: arrayBuffer, mimeType: 'image/png' }]), [{ type: 'image', data: base64, mimeType: 'image/png' }]);
    for (const blob of [PNG_BYTES, new Uint8Array(PNG_BYTES), arrayBuffer, PNG_BYTES.toJSON()]) {
      assert.deepEqual(shaped([{ type: 'resource', resource: { uri: 'file:///c.png', mimeType: 'image/png', blob } }]), [
        { type: 'resource', resource: { uri: 'file:///c.png', mimeType: 'image/png', blob: base64 } },
      ]);
    }
    assert.deepEqual(shaped([{ type: 'resource', resource: { uri: 'file:///empty.bin', blob: Buffer.alloc(0) } }]), [
      { type: 'resource', resource: { uri: 'file:///empty.bin', blob: '' } },
    ]);
    assert.match(refused([{ type: 'image', data: Buffer.alloc(0), mimeType: 'image/png' }]), /"data" must be non-empty/);
  });

  test('refuses what MCP cannot carry, naming the block', () => {
    assert.match(refused([{ type: 'image', data: PNG_BASE64, mimeType: 'text/html' }]), /content block 0 \(image\): mimeType must be an image\/\* type/);
    assert.match(refused([{ type: 'image', data: PNG_BASE64, mimeType: 'png' }]), /mimeType must be a MIME type/);
    assert.match(refused(['ok', { type: 'audio', data: 'SGVsbG8', mimeType: 'audio/wav' }]), /content block 1 \(audio\): "data" must be non-empty, padded base64/);
    assert.match(refused([{ type: 'image', data: 'SGVs!!!bG8=', mimeType: 'image/png' }]), /padded base64/);
    assert.match(refused([{ type: 'video', data: PNG_BASE64 }]), /unsupported type "video"/);
    assert.match(refused([{ type: 'resource', resource: { uri: 'not a uri', text: 'x' } }]), /resource\.uri must be a URI/);
    assert.match(refused([{ type: 'resource', resource: { uri: 'file:///a', text: 'x', blob: 'eA==' } }]), /exactly one of "text"/);
    assert.match(refused([{ type: 'resource_link', uri: 'https://example.com/a' }]), /"name" must be a non-empty string/);
    assert.match(refused([{ type: 'text', text: 'x', annotations: 'high' }]), /"annotations" must be an object/);
    assert.match(refused([42]), /expected an object/);
    // Not JSON: a BigInt or a cycle beside the payload (JSON.stringify threw out of the check: -32603).
    assert.match(refused([{ type: 'text', text: 'x', _meta: { n: 10n } }]), /content block 0 \(text\): cannot be sent as JSON: Do not know how to serialize a BigInt/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.match(refused([{ type: 'image', data: PNG_BASE64, mimeType: 'image/png', _meta: cycle }]), /content block 0 \(image\): cannot be sent as JSON: .*circular/i);
  });

  test('the size limit counts decoded bytes and text, and the rest of each block as JSON, across blocks', () => {
    const kib = Buffer.alloc(600).toString('base64');
    // 600 decoded bytes, and {"type":"image","mimeType":"image/png"}: 39.
    assert.equal(shaped([{ type: 'image', data: kib, mimeType: 'image/png' }], {}, { maxBytes: 639 }).length, 1);
    assert.match(refused([{ type: 'image', data: kib, mimeType: 'image/png' }], { maxBytes: 638 }), /larger than the limit of 638 bytes \(defaults\.max_content_bytes\)/);
    assert.match(
      refused([{ type: 'image', data: kib, mimeType: 'image/png' }, 'x'], { maxBytes: 639 }),
      /larger than the limit of 639 bytes \(defaults\.max_content_bytes\)/,
    );
    // Text counts as it is sent, escaped in the JSON: a control character is six bytes there, not one.
    assert.equal(shaped([{ type: 'text', text: '\u0001'.repeat(100) }], {}, { maxBytes: 620 }).length, 1);
    assert.match(refused([{ type: 'text', text: '\u0001'.repeat(200) }], { maxBytes: 1024 }), /larger than the limit of 1024 bytes/);
    // A link's URI, and any block's annotations and _meta, are no longer free.
    const longUri = `https://example.com/${'a'.repeat(2000)}`;
    assert.match(refused([{ type: 'resource_link', uri: longUri, name: 'a' }]), /larger than the limit of 1024 bytes/);
    assert.match(refused([{ type: 'text', text: 'x', _meta: { 'example/k': 'b'.repeat(2000) } }]), /larger than the limit of 1024 bytes/);
  });

  test('a few MiB of base64 is checked in linear time and stack (a repeated regex group overflowed at 3.5 MiB)', () => {
    const data = Buffer.alloc(6 * 1024 * 1024, 7).toString('base64');
    assert.equal(shaped([{ type: 'image', data, mimeType: 'image/png' }], {}, { maxBytes: 8 * 1024 * 1024 }).length, 1);
    assert.match(refused([{ type: 'image', data: `${data.slice(0, -4)}A===`, mimeType: 'image/png' }], { maxBytes: 8 * 1024 * 1024 }), /padded base64/);
  });

  test('bytes as a stored Buffer come back as JSON ({ type: "Buffer", data }), and are still bytes', () => {
    const stored = JSON.parse(JSON.stringify({ type: 'image', data: PNG_BYTES, mimeType: 'image/png' })) as unknown;
    assert.deepEqual(shaped([stored]), [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }]);
    assert.match(refused([{ type: 'image', data: { type: 'Buffer', data: [1, 300] }, mimeType: 'image/png' }]), /padded base64/);
  });

  test("fields the spec types are checked against the spec's own schema, naming the field", () => {
    assert.match(
      refused([{ type: 'text', text: 'x', annotations: { priority: 7, audience: ['nobody'] } }]),
      /content block 0 \(text\): .*annotations\.audience\.0: .*"user"\|"assistant".*annotations\.priority: Too big/,
    );
    assert.match(refused([{ type: 'resource_link', uri: 'https://example.com/a', name: 'a', size: 'huge' }]), /content block 0 \(resource_link\): size: .*expected number/);
    assert.deepEqual(shaped([{ type: 'resource_link', uri: 'https://example.com/a', name: 'a', size: 12, title: 'A', description: 'd' }]), [
      { type: 'resource_link', uri: 'https://example.com/a', name: 'a', size: 12, title: 'A', description: 'd' },
    ]);
  });

  test('the structured output counts toward the limit too, once', () => {
    const field = 'x'.repeat(590);
    // {"text":"xxx…"}: 602 bytes.
    const over = shapeContent([], { text: field }, { maxBytes: 600 });
    assert.ok(!over.ok);
    assert.match(over.problem, /larger than the limit of 600 bytes .*structured output included/);
    assert.equal(shaped([], { text: field }, { maxBytes: 602 }).length, 1);
  });

  test('secrets: scrubbed from text, URIs and names; binary that contains one is refused', () => {
    const secrets = ['sk-live-123456'];
    assert.deepEqual(
      shaped(
        [
          'token sk-live-123456',
          { type: 'resource_link', uri: 'https://example.com/?t=sk-live-123456', name: 'sk-live-123456' },
          { type: 'resource', resource: { uri: 'file:///a', text: 'sk-live-123456', mimeType: 'text/plain' } },
        ],
        {},
        { ...LIMIT, secrets },
      ),
      [
        { type: 'text', text: 'token [redacted]' },
        { type: 'resource_link', uri: 'https://example.com/?t=[redacted]', name: '[redacted]' },
        { type: 'resource', resource: { uri: 'file:///a', text: '[redacted]', mimeType: 'text/plain' } },
      ],
    );
    const leaky = Buffer.from('header sk-live-123456 trailer').toString('base64');
    const problem = refused([{ type: 'resource', resource: { uri: 'file:///a', blob: leaky } }], { ...LIMIT, secrets });
    assert.match(problem, /contains a credential the run was given; it was not sent/);
    assert.ok(!problem.includes('sk-live'));
    const clean = Buffer.from('nothing to see').toString('base64');
    assert.deepEqual(shaped([{ type: 'resource', resource: { uri: 'file:///a', blob: clean } }], {}, { ...LIMIT, secrets }), [
      { type: 'resource', resource: { uri: 'file:///a', blob: clean } },
    ]);
  });
});

describe('collectContent', () => {
  test('the channel, then the media of the final AI message only when asked', () => {
    const state = {
      content_blocks: [{ type: 'text', text: 'from the channel' }],
      messages: [
        new HumanMessage('draw'),
        new AIMessage({ content: [{ type: 'image', data: 'old', mimeType: 'image/png' }] }),
        new AIMessage({ content: [{ type: 'text', text: 'done' }, { type: 'image', data: PNG_BASE64, mimeType: 'image/png' }] }),
      ],
    };
    assert.deepEqual(collectContent(state, true), [
      { type: 'text', text: 'from the channel' },
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    ]);
    assert.deepEqual(collectContent(state, false), [{ type: 'text', text: 'from the channel' }]);
    // A file part is content too, unless it cannot be sent (a provider's file id, a form not known here): left out, not failing the answer.
    const pdf = { type: 'file', data: 'JVBERg==', mimeType: 'application/pdf' };
    const withFiles = { messages: [new AIMessage({ content: [{ type: 'text', text: 'here' }, pdf, { type: 'file', fileId: 'file-abc' }, { type: 'document', source: { type: 'content', content: [] } }] })] };
    assert.deepEqual(collectContent(withFiles, true), [pdf]);
    // So is an image or audio part known only by its provider's file id: it failed the whole answer.
    const image = { type: 'image', data: PNG_BASE64, mimeType: 'image/png' };
    const withImages = { messages: [new AIMessage({ content: [image, { type: 'image', fileId: 'file-abc' }, { type: 'image', source_type: 'id', id: 'file-def' }, { type: 'audio', file_id: 'file-ghi' }] })] };
    assert.deepEqual(collectContent(withImages, true), [image]);
    assert.deepEqual(collectContent({ content_blocks: 'one' }, false), ['one']);
    assert.deepEqual(collectContent(null, true), []);
  });
});

describe('bad content from a served graph', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      defaults: { max_content_bytes: 160 },
      graphs: {
        bad_mime: './graphs/content.ts:badMime',
        bad_base64: './graphs/content.ts:badBase64',
        bad_type: './graphs/content.ts:badType',
        bigint_meta: './graphs/content.ts:bigIntMeta',
        too_big: './graphs/content.ts:mixed',
        image: './graphs/content.ts:image',
      },
    });
  });
  after(() => server.close(0));

  test('is an isError result with OUTPUT_INVALID, and the server keeps serving', async () => {
    for (const [name, pattern] of [
      ['bad_mime', /content block 0 \(image\): mimeType must be an image\/\* type, got "text\/html"/],
      ['bad_base64', /padded base64/],
      ['bad_type', /unsupported type "video"/],
      ['bigint_meta', /cannot be sent as JSON/],
      ['too_big', /larger than the limit of 160 bytes/],
    ] as const) {
      const answer = await callModern(server.url, name, {});
      const result = answer.messages[0]?.result;
      assert.equal(result?.isError, true, name);
      assert.equal(result?._meta?.['graph-mcp/error']?.code, 'OUTPUT_INVALID');
      assert.match(result?.content?.[0]?.text, pattern);
    }
    const fine = await callModern(server.url, 'image', {});
    assert.equal(fine.messages[0]?.result?.content?.[0]?.type, 'image');
  });
});
