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
