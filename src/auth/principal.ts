import { isPlainObject } from '../plain-object.js';
import { CREDENTIAL_FIELD } from '../run/scrub.js';

/**
 * The authenticated caller, as the project's authenticate function (or the
 * built-in JWT check) describes it. Reaches graph runs as
 * `config.configurable.langgraph_auth_user`.
 */
export interface Principal {
  /** Stable identity: the key for the caller's secrets and runs. */
  id: string;
  /** Permissions / OAuth scopes the caller holds. */
  scopes: readonly string[];
  /** Any display fields (name, email, ...). */
  [field: string]: unknown;
}

/**
 * The principal as a task stores it, to run as that caller later, in any
 * process: without the fields named for a credential (`accessToken`,
 * `refresh_token`, `password`, ...) at any depth, which an authenticate
 * function may return beside who the caller is, and which would otherwise
 * sit in clear in the store's rows until the task is deleted. A task's runs
 * see it so. Credentials reach runs through the secret store.
 */
export function storablePrincipal(principal: Principal | undefined): Principal | null {
  return principal === undefined ? null : (withoutCredentialFields(principal, 0) as Principal);
}

function withoutCredentialFields(value: unknown, depth: number): unknown {
  if (depth > 32) return undefined;
  if (Array.isArray(value)) return value.map((item) => withoutCredentialFields(item, depth + 1));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !CREDENTIAL_FIELD.test(key)).map(([key, item]) => [key, withoutCredentialFields(item, depth + 1)]));
}
