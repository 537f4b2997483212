// The public API. Everything a project needs is exported here by name;
// anything not listed is internal and may change.

// Load and serve
export { loadGraphMcp, principalFromAuthInfo, type GraphMcp, type LoadGraphMcpOptions } from './graph-mcp.js';
export { createMcpRouter, authInfoForPrincipal, type McpRouterOptions } from './http/router.js';
// What `req.auth` holds (`authInfoForPrincipal`'s result): the MCP SDK's type.
export type { AuthInfo } from '@modelcontextprotocol/server';
export { createApp } from './http/app.js';
export { serve, DEFAULT_HOST, DEFAULT_PORT, type ServeOptions, type RunningServer } from './http/serve.js';

// Config
export { agentConfigSchema, type AgentConfig, type AgentConfigInput } from './config/schema.js';
export { loadConfigFile, resolveConfig, DEFAULT_CONFIG_FILE, type ResolvedConfig, type ResolvedGraphEntry } from './config/load.js';

// Graphs and runs
export type { GraphTool } from './graphs/tool.js';
export type { ToolRegistry } from './graphs/load-graphs.js';
export { runTool, type RunOptions } from './run/run-tool.js';
export type { ProgressUpdate } from './run/progress.js';
// The store `loadGraphMcp`'s `store` option takes (one process's, shared with another instance).
export type { Store } from './store/store.js';

// Identity, access and user-scoped credentials
export type { Principal } from './auth/principal.js';
export { AuthError } from './auth/auth-error.js';
export type { Authenticate, AuthOutcome, PrincipalLike } from './auth/authenticate.js';
export type { AccessRule } from './auth/access.js';
export { CREDENTIALS_KEY, credentialsFrom, type UserCredentials, type DownstreamServer } from './auth/credentials.js';
export { userMcpClient, withUserMcpClient } from './auth/user-mcp-client.js';
export type { SecretStore, SecretEntry } from './auth/secrets/secret-store.js';
export { FileSecretStore, EnvSecretStore } from './auth/secrets/file-store.js';
export { SqliteSecretStore, type SqliteSecretStoreOptions } from './auth/secrets/sqlite-store.js';
export { openSecretStore } from './auth/secrets/open-store.js';

// Errors, logging, version
export { GraphMcpError, isGraphMcpError, type ErrorCode } from './errors.js';
export { createLogger, type Logger, type LoggerOptions } from './log.js';
export { VERSION } from './version.js';
