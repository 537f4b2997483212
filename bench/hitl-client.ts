// The round-trip client of `npm run bench -- hitl`, run in its own process:
// N times, one at a time, ask (the approval graph pauses) and answer (retry
// with inputResponses); prints {"p50","p99"} in ms.
const [url, count] = [process.argv[2]!, Number(process.argv[3] ?? 200)];
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'approval' };
const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};
const args = { customer: 'Ada', amount: 500 };

async function call(params: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'approval', arguments: args, ...params, _meta: meta } }) });
  const text = await response.text();
  const line = text.startsWith('{') ? text : text.split('\n').find((l) => l.startsWith('data:'))!.slice(5);
  const message = JSON.parse(line) as { result?: Record<string, any> };
  if (!message.result) throw new Error(`no result: ${text.slice(0, 300)}`);
  return message.result;
}

const times: number[] = [];
for (let i = 0; i < count + 10; i += 1) {
  const started = performance.now();
  const asked = await call({});
  if (asked.resultType !== 'input_required') throw new Error(`expected a question: ${JSON.stringify(asked).slice(0, 300)}`);
  const key = Object.keys(asked.inputRequests)[0]!;
  const done = await call({ requestState: asked.requestState, inputResponses: { [key]: { action: 'accept', content: { approved: true } } } });
  if (done.structuredContent?.status !== 'refunded') throw new Error(`expected a refund: ${JSON.stringify(done).slice(0, 300)}`);
  if (i >= 10) times.push(performance.now() - started); // the first 10 warm up
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
console.log(JSON.stringify({ p50: at(0.5), p99: at(0.99) }));
