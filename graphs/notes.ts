/**
 * Calls a downstream MCP server (examples/notes-server.ts) on the caller's
 * behalf: `withUserMcpClient` opens a MultiServerMCPClient with *this
 * caller's* stored credentials for "notes", never with the token the caller
 * used to reach graph-mcp. In your own project, import it from "graph-mcp".
 */
import { END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { z } from 'zod';
import { withUserMcpClient } from '../src/index.js';

const Input = z.object({
  action: z.enum(['add', 'list']).describe('Add a note (then list), or just list'),
  text: z.string().min(1).optional().describe('The note to add'),
});
const Output = z.object({
  user: z.string().describe('Whose notes these are, as the notes server sees it'),
  notes: z.array(z.string()),
});
const NotesState = Input.extend({ user: z.string().optional(), notes: z.array(z.string()).optional() });

async function useNotes(state: z.infer<typeof NotesState>, config: LangGraphRunnableConfig) {
  return withUserMcpClient(config, ['notes'], async (client) => {
    const tools = await client.getTools();
    const call = async (name: string, args: Record<string, unknown>) => {
      const tool = tools.find((t) => t.name === name);
      if (!tool) throw new Error(`the notes server has no tool ${name}`);
      return tool.invoke({ type: 'tool_call', id: name, name, args });
    };
    if (state.action === 'add') {
      if (!state.text) throw new Error('"text" is required to add a note');
      await call('add_note', { text: state.text });
    }
    const listed = await call('list_notes', {});
    const artifact = (listed.artifact as Array<{ type: string; data?: { user: string; notes: string[] } }>).find(
      (a) => a.type === 'mcp_structured_content',
    );
    return { user: artifact?.data?.user ?? '', notes: artifact?.data?.notes ?? [] };
  });
}

export const graph = new StateGraph({ state: NotesState, input: Input, output: Output })
  .addNode('use_notes', useNotes)
  .addEdge(START, 'use_notes')
  .addEdge('use_notes', END)
  .compile();
