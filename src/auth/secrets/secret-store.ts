/**
 * Where user-scoped downstream credentials come from. Keyed by the
 * principal's id and the downstream server's name (a key of `secrets.servers`
 * in the config); the value is the set of HTTP headers to send to that
 * server on the user's behalf, e.g. `{ Authorization: "Bearer ..." }`.
 *
 * Implement this for a real vault; only `get` is needed to serve. The
 * built-in stores also implement the management methods the
 * `graph-mcp secrets` command uses.
 */
export interface SecretStore {
  /** The headers for this user and server, or undefined when none are stored. */
  get(principalId: string, server: string): Promise<Record<string, string> | undefined>;
  set?(principalId: string, server: string, headers: Record<string, string>): Promise<void>;
  /** Returns whether anything was deleted. */
  delete?(principalId: string, server: string): Promise<boolean>;
  /** What is stored (never the values), optionally for one principal. */
  list?(principalId?: string): Promise<SecretEntry[]>;
  close?(): Promise<void> | void;
}

export interface SecretEntry {
  principalId: string;
  server: string;
  /** Header names only. */
  headers: string[];
  updatedAt?: string;
}
