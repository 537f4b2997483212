/**
 * Signs a short-lived test JWT the way examples/auth/agent.config.json
 * expects (HS256 with GRAPH_MCP_JWT_SECRET). In production your identity
 * provider issues these.
 *
 *   npx tsx examples/auth/make-token.ts alice "mcp notes"
 */
import jwt from 'jsonwebtoken';

const [user, scope = 'mcp'] = process.argv.slice(2);
const secret = process.env.GRAPH_MCP_JWT_SECRET;
if (!user || !secret) {
  console.error('usage: GRAPH_MCP_JWT_SECRET=... npx tsx examples/auth/make-token.ts <user> ["scope1 scope2"]');
  process.exit(1);
}
console.log(jwt.sign({ sub: user, scope }, secret, { algorithm: 'HS256', issuer: 'graph-mcp-example', audience: 'graph-mcp', expiresIn: '1h' }));
