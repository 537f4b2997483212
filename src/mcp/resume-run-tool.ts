import type { Tool } from '@modelcontextprotocol/server';
import { compileValidator } from '../graphs/validator.js';
import { argumentsProblem } from '../run/run-tool.js';
import { RUN_ID_MAX_LENGTH } from './run-handles.js';

export const RESUME_RUN_TOOL = 'resume_run';

/**
 * `resume_run`: how a caller that cannot answer a question in-protocol
 * (no elicitation, no multi-round-trip) continues a paused run. It answers
 * like the original tool: its result, or its next question.
 */
export const resumeRunDefinition: Tool = {
  name: RESUME_RUN_TOOL,
  title: 'Answer a paused run',
  description:
    'Continues a tool run that paused to ask a question. Pass the run_id from the paused result and the answer (or, when it asked several questions, answers keyed by question). Returns the tool\'s result, or its next question.',
  inputSchema: {
    type: 'object',
    properties: {
      run_id: { type: 'string', minLength: 1, maxLength: RUN_ID_MAX_LENGTH, description: 'The id of the paused run, from the result that asked the question.' },
      answer: { description: 'The answer to the question: text, or an object with the fields the question asks for.' },
      answers: { type: 'object', description: 'When several questions were asked: the answer to each, keyed by question.' },
    },
    required: ['run_id'],
    additionalProperties: false,
  },
  annotations: { openWorldHint: false },
};

const validate = compileValidator(resumeRunDefinition.inputSchema as Record<string, unknown>, 'resume_run input schema');

export interface ResumeRunArgs {
  runId: string;
  answer?: unknown;
  answers?: Record<string, unknown>;
}

/** The arguments, or the problems with them. */
export function parseResumeRunArgs(args: unknown): ResumeRunArgs | string[] {
  // An answer is decoded and stored: too deep for either, it is refused here.
  const unusable = argumentsProblem(args);
  if (unusable !== undefined) return [unusable];
  const problems = validate(args ?? {});
  if (problems.length > 0) return problems;
  const { run_id, answer, answers } = args as { run_id: string; answer?: unknown; answers?: Record<string, unknown> };
  if (answer === undefined && answers === undefined) return ['give "answer" (or "answers" keyed by question)'];
  // Which one was meant cannot be told: one of them would be dropped without a word.
  if (answer !== undefined && answers !== undefined) return ['give "answer" or "answers", not both'];
  return { runId: run_id, ...(answer !== undefined ? { answer } : {}), ...(answers !== undefined ? { answers } : {}) };
}
