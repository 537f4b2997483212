import { z } from 'zod';
import { agentConfigSchema } from './schema.js';

/** The JSON Schema of `agent.config.json`, as published in `agent.config.schema.json`. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(agentConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'graph-mcp agent.config.json',
    description: 'Graphs to serve as MCP tools, and how to serve them. A superset of langgraph.json.',
  };
}
