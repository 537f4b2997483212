// Whether an answer under load was a failure the server answered with HTTP 200: a JSON-RPC error,
// or a tool result flagged isError. Counted with the errors: a server that fails calls fast must
// not read as a fast server. Text tests, not a parse: the load generator shares the cores with the
// server it measures. (JSON.stringify writes no spaces, in a JSON answer and in an event's data.)

export const FAILED_ANSWER_MARKS = ['"error":{', '"isError":true'] as const;

export function failedAnswer(body: string): boolean {
  return FAILED_ANSWER_MARKS.some((mark) => body.includes(mark));
}
