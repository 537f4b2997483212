// The load generator of `npm run bench -- tasks`, in its own process. Prints JSON:
// - created: tasks created per second at 10 concurrent callers (each create is durable before it is answered),
// - getP50: tasks/get p50 (ms), one at a time,
// - directP50 / taskP50: the trivial graph called directly vs run as a task and polled to its end (ms).
import { percentile } from './processes.js';

const [url, countText] = process.argv.slice(2);
const COUNT = Number(countText ?? 300);
const EXT = 'io.modelcontextprotocol/tasks';
const meta = (tasks: boolean) => ({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': tasks ? { extensions: { [EXT]: {} } } : {},
});

async function rpc(method: string, params: Record<string, unknown>, tasks = true): Promise<Record<string, any>> {
  const name = typeof params.name === 'string' ? params.name : (params.taskId as string | undefined);
  const response = await fetch(url!, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta(tasks) } }),
  });
  const text = await response.text();
  const line = text.startsWith('{') ? text : text.split('\n').find((l) => l.startsWith('data:'))!.slice(5);
  const message = JSON.parse(line) as { result?: Record<string, any> };
  if (!message.result) throw new Error(`${method}: ${text.slice(0, 300)}`);
  return message.result;
}

const call = (tasks: boolean) => rpc('tools/call', { name: 'trivial', arguments: { text: 'hi' } }, tasks);

async function finish(taskId: string): Promise<void> {
  for (;;) {
    const task = await rpc('tasks/get', { taskId });
    if (task.status === 'completed') return;
    if (task.status !== 'working') throw new Error(`task ended ${task.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// Warm-up.
for (let i = 0; i < 20; i += 1) await finish((await call(true)).taskId);

// Creation rate: 10 callers at once.
const ids: string[] = [];
const started = performance.now();
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (ids.length < COUNT) {
      const created = await call(true);
      if (created.resultType !== 'task') throw new Error('expected a task');
      ids.push(created.taskId);
    }
  }),
);
const created = ids.length / ((performance.now() - started) / 1000);

const gets: number[] = [];
for (const id of ids.slice(0, 200)) {
  const t = performance.now();
  await rpc('tasks/get', { taskId: id });
  gets.push(performance.now() - t);
}
for (const id of ids) await finish(id);

const direct: number[] = [];
const viaTask: number[] = [];
for (let i = 0; i < 100; i += 1) {
  let t = performance.now();
  const answer = await call(false);
  if (answer.structuredContent?.echoed !== 'hi') throw new Error('expected a direct answer');
  direct.push(performance.now() - t);
  t = performance.now();
  await finish((await call(true)).taskId);
  viaTask.push(performance.now() - t);
}
const sort = (values: number[]) => [...values].sort((a, b) => a - b);
console.log(JSON.stringify({ created, getP50: percentile(sort(gets), 0.5), directP50: percentile(sort(direct), 0.5), taskP50: percentile(sort(viaTask), 0.5) }));
