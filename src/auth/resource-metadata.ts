import type { AgentConfig } from '../config/schema.js';

export type ResourceMetadataConfig = NonNullable<NonNullable<AgentConfig['auth']>['resource_metadata']>;

export interface ProtectedResourceMetadata {
  /** The paths the document is served at (RFC 9728 §3: the well-known path, and its form suffixed with the resource's path). */
  paths: string[];
  /** The URL clients are told about in `WWW-Authenticate`. */
  url: string;
  document: Record<string, unknown>;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** RFC 9728 protected resource metadata, built once at start-up. */
export function protectedResourceMetadata(config: ResourceMetadataConfig, scopes: readonly string[]): ProtectedResourceMetadata {
  const resource = new URL(config.resource);
  const suffix = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '');
  const paths = [...new Set([WELL_KNOWN, `${WELL_KNOWN}${suffix}`])];
  return {
    paths,
    url: `${resource.origin}${WELL_KNOWN}${suffix}`,
    document: {
      resource: config.resource,
      authorization_servers: config.authorization_servers,
      bearer_methods_supported: ['header'],
      ...(config.scopes_supported ?? scopes.length > 0 ? { scopes_supported: config.scopes_supported ?? [...scopes] } : {}),
      ...(config.resource_name ? { resource_name: config.resource_name } : {}),
    },
  };
}
