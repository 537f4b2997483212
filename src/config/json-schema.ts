import { z } from 'zod';
import { agentConfigSchema } from './schema.js';

/** The JSON Schema of `agent.config.json`, as published in `agent.config.schema.json`. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(agentConfigSchema, { io: 'input', unrepresentable: 'any' }) as unknown as Record<string, unknown> & { properties: { http: { properties: Record<string, unknown> } } };
  // LangGraph's key, which graph-mcp honours: it is read (setAsideLangGraphKeys) before the zod schema applies.
  schema.properties.http.properties.mount_prefix = {
    type: 'string',
    pattern: '^/[^\\s?#]*$',
    description: "LangGraph's key: without http.mcp_path, the endpoint is served at <mount_prefix>/mcp.",
  };
  return {
    ...schema,
    title: 'graph-mcp agent.config.json',
    description: 'Graphs to serve as MCP tools, and how to serve them. A superset of langgraph.json.',
  };
}
