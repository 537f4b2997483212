/** The 2026-07-28 Tasks extension's identifier, in capabilities and `server/discover`. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
