/** The longest delay a Node timer takes: a longer one fires after 1 ms (PostgreSQL's statement_timeout has the same limit). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
