/**
 * Calls one tool as one user, through MultiServerMCPClient with the user's
 * token in the Authorization header, and prints the structured result.
 *
 *   npx tsx examples/auth/call.ts "$ALICE" notes '{"action":"add","text":"buy milk"}'
 */
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { ToolMessage } from '@langchain/core/messages';

const [token, name, json = '{}'] = process.argv.slice(2);
const url = process.env.GRAPH_MCP_URL ?? 'http://127.0.0.1:8123/mcp';
if (!token || !name) {
  console.error('usage: npx tsx examples/auth/call.ts <token> <tool> [json-arguments]');
  process.exit(1);
}
const client = new MultiServerMCPClient({ mcpServers: { agents: { url, transport: 'http', headers: { Authorization: `Bearer ${token}` } } } });
try {
  const tools = await client.getTools();
  console.log(`tools you may call: ${tools.map((t) => t.name).join(', ')}`);
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool "${name}" for you`);
  const message = (await tool.invoke({ type: 'tool_call', id: 'cli', name, args: JSON.parse(json) })) as ToolMessage;
  const structured = (message.artifact as Array<{ type: string; data?: unknown }>).find((a) => a.type === 'mcp_structured_content');
  console.log(JSON.stringify(structured?.data ?? message.content));
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
