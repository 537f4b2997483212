import { randomBytes } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type ClientCapabilities,
  type InputRequiredResult,
  type JSONRPCRequest,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { GraphTool } from '../graphs/tool.js';
import type { Logger } from '../log.js';
import { argumentsUnusable, errorResult, protocolErrorOf, RunAbortedError, type PendingInterrupt, type RunOptions } from '../run/run-tool.js';
import type { DescribePause, RunStep, Runs } from '../run/runs.js';
import { scrubValue } from '../run/scrub.js';
import type { ProgressUpdate } from '../run/progress.js';
import { hasEnded, storeNow, type RunRecord, type SignalBus } from '../store/store.js';
import type { Principal } from '../auth/principal.js';
import type { TaskRunner } from '../run/tasks.js';
import { argumentsDigests, filledDigest, sameArguments, sentDigest, type ArgumentsDigests } from './arguments-digest.js';
import { awaitRunNews, detachable, ownToolNamed, runAnswer, runHandleResult, runWithDeadline, WAITED, withinWait } from './run-handles.js';
import { createTaskResult, TASKS_EXTENSION, tasksExtensionRequired } from './task-shapes.js';
import { answerHint, decodeAnswer, keyForAskingAgain, questionsFor, type Decoded, type InputMethod, type Question } from './questions.js';

/** What graph-mcp keeps with a paused run (`RunRecord.data`). */
export interface PauseData {
  [key: string]: unknown;
  /** The questions still waiting for an answer. */
  questions: Question[];
  /** Resume values already collected (by interrupt id) for a round answered in parts. */
  answers: Record<string, unknown>;
  /** Every input request key the run has used. */
  usedKeys: string[];
  /** How many times the run has asked. */
  round: number;
  /** The keys the current round asked (2026-07-28): asked again with nothing changed, it is the same round. */
  roundKeys?: string[];
  /** The final answer, once the run has one. */
  result?: CallToolResult;
  /** Why the last answers given for a task's questions could not be used (it asks them again). */
  answerProblems?: string[];
  /**
   * Each answer given in `inputResponses` (2026-07-28), by its key (keys are
   * never used twice in a run), over the run's rounds: a digest of the
   * answer the run took, with the round whose `requestState` brought it;
   * the digest is empty for one it refused (asked again). A retry of that
   * round once the run has ended that brings another answer under that key
   * is told it was not applied; the same answers again are a retry.
   */
  answeredDigests?: Record<string, { digest: string; round: number }>;
}

/** The signed `requestState` of a 2026-07-28 round: the run it continues. */
export interface RequestStatePayload {
  run: string;
  /** Which round asked: every round's state differs from the last. */
  round?: number;
  /**
   * The arguments of the `tools/call` that began the run (`argumentsDigests`): its retries must bring the same.
   * Absent from rounds `resume_run` asked; `sent` absent from states minted before it was added.
   */
  args?: string;
  sent?: string;
}

/** The `_meta` key of a result that reports a run still going or paused. */
export const RUN_META_KEY = 'graph-mcp/run';

/** Ids of the requests graph-mcp sends on a 2025-era response stream, so their answers can be told apart. */
export const SERVER_REQUEST_ID_PREFIX = 'graph-mcp:';

/**
 * Whether the 2026-07-28 client making this request declared the capability
 * a question needs: a server must not ask for input the client has not said
 * it can give.
 */
export function askableBy(ctx: ServerContext): (question: Question) => boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  return (question) => {
    const declared = capabilities?.[CAPABILITY_OF[question.request.method]];
    if (declared === undefined) return false;
    if (question.request.method !== 'elicitation/create') return true;
    // Elicitation comes in modes: `{}` is form (as before modes were named); `{ url: {} }` alone is not.
    const mode = (question.request.params as { mode?: unknown } | undefined)?.mode === 'url' ? 'url' : 'form';
    const modes = declared as { form?: unknown; url?: unknown };
    if (modes.form === undefined && modes.url === undefined) return mode === 'form';
    return modes[mode] !== undefined;
  };
}

const CAPABILITY_OF: Record<InputMethod, keyof ClientCapabilities> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/**
 * Rounds served within one request before the caller gets a paused-run
 * result to come back with (a graph that keeps asking). A 2025-era call
 * spends two per question answered (asked, then resumed): 100 questions;
 * one per question asked again after an answer that could not be used.
 */
const MAX_ROUNDS_PER_REQUEST = 200;

export interface PauseServing {
  runs: Runs;
  /** Background runs; absent when the server runs no tasks. */
  tasks?: TaskRunner | undefined;
  taskTtlMs: number;
  pollIntervalMs: number;
  codec: RequestStateCodec<RequestStatePayload>;
  signals: SignalBus;
  questionTimeoutMs: number;
  /** Aborted when the server begins to close: waits the shutdown does not hold for end (see `RunTracker.closingSignal`). */
  closing?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

/** One request's view of a call that may pause. */
export interface CallContext {
  tool: GraphTool;
  owner: string;
  principal: Principal | undefined;
  /** The caller can poll tasks (it would have been given one): no run handle is needed. */
  canPollTasks: boolean;
  runOptions: RunOptions;
  ctx: ServerContext;
  era: 'modern' | 'legacy';
  /** Sends a request on this call's response stream (2025 era). */
  sendOnStream?: StreamSend | undefined;
}

/**
 * Sends one of graph-mcp's requests on a 2025-era response stream;
 * `cannotAsk`, when given, names the questions its client could not read
 * (a URL-mode question to a 2025-06-18 client).
 */
export type StreamSend = ((request: JSONRPCRequest) => Promise<void>) & {
  cannotAsk?: (question: Pick<JSONRPCRequest, 'method' | 'params'>) => boolean;
};

/** The questions of `questions` this stream's client cannot read (none when it reads every kind). */
export function unreadableOn(send: StreamSend, questions: readonly Question[]): Question[] {
  return send.cannotAsk === undefined ? [] : questions.filter((question) => send.cannotAsk!(question.request));
}

/**
 * What the log says of questions asked on a 2025-era response stream, by
 * key: not sent (the client cannot read them), sent (a request that waits
 * on its caller looks stuck from outside: the log says on what, and for
 * how long at most), or not answered.
 */
export const streamLog = {
  unreadable: (serving: Pick<PauseServing, 'logger'>, run: RunRecord, keys: string[]) =>
    serving.logger?.info({ run: run.id, questions: keys }, "a question is one the caller's protocol revision cannot read (a URL-mode question before 2025-11-25): not asked on its stream"),
  asked: (serving: Pick<PauseServing, 'logger' | 'questionTimeoutMs'>, run: RunRecord, keys: string[]) =>
    serving.logger?.info({ run: run.id, questions: keys, timeout_ms: serving.questionTimeoutMs }, "asked the caller on the call's response stream; waiting for the answer"),
  unanswered: (serving: Pick<PauseServing, 'logger'>, run: RunRecord, keys: string[]) =>
    serving.logger?.info({ run: run.id, questions: keys }, 'the caller did not answer the question on its stream (it refused it, or gave no answer in time)'),
};

export type CallAnswer = CallToolResult | InputRequiredResult;

/** The `data` of a refused `requestState`, as the SDK's own refusal of one it cannot read. */
const REQUEST_STATE_REFUSED = { reason: 'invalid_request_state' };

/**
 * Serves a `tools/call` whose graph may pause at `interrupt()`, for every
 * kind of caller:
 * - 2026-07-28: the questions the client can answer become an
 *   `InputRequiredResult` (signed, owner-bound `requestState`); its retry
 *   brings `inputResponses`, which resume the run from the store;
 * - 2025 era: the questions go out as requests on the call's response
 *   stream (`elicitation/create`, …); the answers, posted separately, reach
 *   the waiting call through the store's signals;
 * - anyone else (or when the above fails): a result the caller's model can
 *   read, with `_meta["graph-mcp/run"]`, answered through `resume_run`.
 */
export async function serveCall(serving: PauseServing, call: CallContext, args: unknown, via: 'tools/call' | 'resume_run' = 'tools/call'): Promise<CallAnswer> {
  const state = call.era === 'modern' ? call.ctx.mcpReq.requestState<RequestStatePayload>() : undefined;
  if (state !== undefined) {
    const run = isPayload(state) ? await serving.runs.get(state.run, call.owner) : undefined;
    // A signed state whose run is gone (expired, or someone else's): refused like a bad state.
    if (run === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState: the paused run is gone', REQUEST_STATE_REFUSED);
    // The caller's own run, retried through another tool: say which it belongs to.
    if (run.tool !== call.tool.name) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid requestState: it continues a run of tool "${run.tool}", not "${call.tool.name}"; retry the same tools/call`, REQUEST_STATE_REFUSED);
    }
    // Checked before the digest below, which would run out of stack on them.
    const unusable = via === 'tools/call' ? argumentsUnusable(call.tool, args) : undefined;
    if (unusable !== undefined) return unusable;
    // Other arguments would be dropped without a word: the run goes on with those it began with.
    if (via === 'tools/call' && isPayload(state) && state.args !== undefined && !sameArguments(state, argumentsDigests(call.tool, args))) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid requestState: it continues a call of tool "${call.tool.name}" made with other arguments; retry with the arguments of the call that was answered with it`, REQUEST_STATE_REFUSED);
    }
    // A retry of the round that already began the task: the same task again, to a caller that can poll it
    // (a server must not hand a task to a client that did not declare the tasks extension in that request).
    if (run.kind === 'task') {
      if (!call.canPollTasks) {
        throw tasksExtensionRequired(
          `Tool "${call.tool.name}": this requestState continues a run that has become a task (its answer began it): declare the ${TASKS_EXTENSION} extension to be handed the task, and poll it`,
        );
      }
      return createTaskResult(run, call.era, serving.pollIntervalMs) as CallAnswer;
    }
    const step = await stepOf(run);
    // Other answers than the run took in the retried round: its result, saying that these were not applied.
    if (step.kind === 'done' && isPayload(state) && otherAnswersThanApplied(run, state, inputResponsesOf(call))) return answeredBefore(call.tool, run);
    // Answers apply to the round whose requestState they came with; an earlier round's state gets the questions asked now.
    const current = step.kind === 'paused' && isPayload(state) && (state.round === undefined || state.round === (step.run.data as PauseData).round);
    return continueRun(serving, call, step, current ? inputResponsesOf(call) : NO_RESPONSES, () => (isPayload(state) && state.args !== undefined ? boundBy(state) : undefined), args);
  }
  // A call without requestState begins a run, whose requestStates (2026-07-28) bind their retries to its arguments:
  // as sent, taken now (the run fills the schema's defaults into them, and a node may change its input in place),
  // and with those defaults, once one is minted.
  const sent = call.era === 'modern' ? sentDigest(args) : undefined;
  const bound = () => ({ args: filledDigest(call.tool, args), ...(sent !== undefined ? { sent } : {}) });
  if (serving.tasks !== undefined && call.tool.task !== 'never' && !call.canPollTasks) {
    return runWithDeadline(serving, call, args, (first) => continueRun(serving, call, first, inputResponsesOf(call), bound), describer(call));
  }
  const step = await serving.runs.start(call.tool, args, call.owner, call.runOptions, describer(call));
  // inputResponses the call brings answer the questions the run asks first, by key, with no round trip
  // (as MCP's conformance suite expects of a server: keys a graph names are known ahead).
  return continueRun(serving, call, step, inputResponsesOf(call), bound, args);
}

/** Continues a paused run with answers a caller's model gave `resume_run`. */
export async function resumeFromModel(
  serving: PauseServing,
  call: CallContext,
  run: RunRecord,
  answer: { one?: unknown; byKey?: Record<string, unknown> },
  attempt = 0,
): Promise<CallAnswer> {
  if (run.status !== 'input_required' && run.status !== 'working') return answeredBefore(call.tool, run);
  const data = run.data as PauseData;
  // A run that asks nothing: one handed out by `max_wait_ms`, still running.
  if (run.status === 'working' && (data.questions ?? []).length === 0) return askingNothing(call.tool, run, serving.pollIntervalMs);
  const answers: Record<string, unknown> = { ...data.answers };
  const problems: string[] = [];
  const usable: Question[] = [];
  // "answer" to several questions: which one it answers cannot be told.
  if (answer.one !== undefined && data.questions.length > 1) {
    problems.push(`${data.questions.length} questions are asked: give "answers", one for each question by its key`);
  }
  for (const question of data.questions) {
    const given = (answer.byKey !== undefined && Object.hasOwn(answer.byKey, question.key) ? answer.byKey[question.key] : undefined) ?? (data.questions.length === 1 ? answer.one : undefined);
    if (given === undefined) {
      problems.push(`"${question.key}": no answer given`);
      continue;
    }
    const decoded = decodeAnswer(question, given, 'model');
    if (decoded.ok) {
      answers[question.interruptId] = decoded.value;
      usable.push(question);
    } else problems.push(`"${question.key}": ${decoded.declined ? 'declined' : decoded.problem}`);
  }
  if (problems.length > 0) {
    // The answers that could be used are kept (a paused run only: a claimed one is another request's),
    // and only the rest is asked again, as in-protocol answers given in parts are.
    let still = run;
    let remaining = data.questions;
    if (usable.length > 0 && run.status === 'input_required') {
      remaining = data.questions.filter((question) => !usable.includes(question));
      const saved = await serving.runs.setData(run, { ...data, questions: remaining, answers });
      if (saved === undefined) return busyResult(serving, call, run.id);
      still = saved;
    }
    const kept = remaining === data.questions ? '' : `\nKept: the answers to ${usable.map((question) => `"${question.key}"`).join(', ')}.`;
    // Answers to part of the round, all usable: taken, and nothing was wrong with them.
    const onlyMissing = usable.length > 0 && problems.every((problem) => problem.endsWith(': no answer given'));
    return answerInvalid(call.tool, still, remaining, problems, kept, onlyMissing ? 'The answers given are taken; the run is still paused for the rest.' : undefined);
  }
  if (run.kind === 'task' && serving.tasks !== undefined) return answerTaskFromModel(serving, call, run, answers, answer, attempt);
  // A caller that cannot poll tasks waits for the rest no longer than for a first call (max_wait_ms).
  if (serving.tasks !== undefined && call.tool.task !== 'never' && !call.canPollTasks) return resumeWithDeadline(serving, call, run, answers);
  return resumeInCall(serving, call, run, answers);
}

/** Resumes a paused run with the answers a model gave, in this request: its result, its next question, or why the answer was refused. */
async function resumeInCall(serving: PauseServing, call: CallContext, run: RunRecord, answers: Record<string, unknown>): Promise<CallAnswer> {
  const step = await resumeOrRefuse(serving, call, run, answers, answeredBefore);
  // Refused by the graph itself (its responseSchema): said as an answer refused here is, the run paused again.
  if (step.kind === 'refused') {
    const again = step.asked || step.untouched ? step.run : await serving.runs.setData(step.run, { ...(step.run.data as PauseData), answers: {} });
    if (again === undefined) return busyResult(serving, call, step.run.id);
    const keptBefore = step.untouched && Object.keys((again.data as PauseData).answers ?? {}).length > 0 ? "\nKept: the answers given earlier to the pause's other questions." : '';
    return answerInvalid(call.tool, again, (again.data as PauseData).questions, [step.problem], keptBefore);
  }
  return continueRun(serving, call, step, NO_RESPONSES, () => undefined);
}

/**
 * `resume_run` from a caller that cannot poll tasks (a model behind
 * `MultiServerMCPClient`): the rest of the run is resumed in this request,
 * as a first call runs, but still going after the tool's `max_wait_ms` it is
 * let go of, and the caller gets the run handle. The run goes on, its claim
 * renewed, no longer stopped when the request ends; what it comes to (its
 * result, its next question) is recorded on the run, for `get_run`. A
 * client whose timeout is shorter than the rest of the run would otherwise
 * cancel it on every answer, and the answer would never be applied.
 */
async function resumeWithDeadline(serving: PauseServing, call: CallContext, run: RunRecord, answers: Record<string, unknown>): Promise<CallAnswer> {
  const detach = detachable(call.runOptions.signal);
  let handedOut = false;
  const { progress, log } = call.runOptions;
  const runOptions: RunOptions = {
    ...call.runOptions,
    signal: detach.controller.signal,
    // Once let go of, nothing more goes to a request that has its answer.
    ...(progress ? { progress: (update: ProgressUpdate) => (handedOut ? undefined : progress(update)) } : {}),
    ...(log ? { log: (...entry: Parameters<typeof log>) => (handedOut ? undefined : log(...entry)) } : {}),
  };
  // Questions the run asks next are recorded on it, not asked on a stream that may have ended by then.
  const answering = resumeInCall(serving, { ...call, runOptions, sendOnStream: undefined }, run, answers);
  const first = await withinWait(answering, call.tool.maxWaitMs);
  if (first !== WAITED) return first;
  handedOut = true;
  detach.letGo();
  answering.catch((error: unknown) => serving.logger?.warn({ err: { message: error instanceof Error ? error.message : String(error) }, run: run.id }, 'a resumed run, let go of after max_wait_ms, failed'));
  const current = (await serving.runs.get(run.id, call.owner)) ?? run;
  return runAnswer(call.tool, current, serving.pollIntervalMs, storeNow(serving.runs.store));
}

/**
 * `resume_run` answering a task (created as one, or a call handed out as a
 * run handle by `max_wait_ms`): the answers go to the task as `tasks/update`'s
 * do, and a worker continues it, checkpointing every step, taken over by
 * another process if this one dies, its status kept current. This request
 * only waits for its news, as `get_run` does: the result, the next question,
 * or, after `max_wait_ms`, the run handle.
 */
async function answerTaskFromModel(
  serving: PauseServing,
  call: CallContext,
  run: RunRecord,
  answers: Record<string, unknown>,
  answer: { one?: unknown; byKey?: Record<string, unknown> },
  attempt: number,
): Promise<CallAnswer> {
  const answered = await serving.tasks!.answer(run, answers, { questions: [], answers: {}, answerProblems: undefined });
  if (answered === undefined) {
    // The task changed since it was read (answered in part or whole elsewhere, cancelled, ended): read again.
    const current = await serving.runs.get(run.id, call.owner);
    if (current === undefined) return errorResult('RUN_NOT_FOUND', `No paused run "${run.id}" was found for you: it may have expired, finished, or never existed.`);
    return attempt < 3 ? resumeFromModel(serving, call, current, answer, attempt + 1) : busyResult(serving, call, run.id);
  }
  const news = (await awaitRunNews(serving, answered, call.owner, call.tool.maxWaitMs, call.ctx.mcpReq.signal)) ?? answered;
  const data = news.data as PauseData;
  // The graph refused the answer (its own responseSchema) and asks again: said as resume_run says it of a call.
  if (news.status === 'input_required' && data.answerProblems?.length) return answerInvalid(call.tool, news, data.questions ?? [], data.answerProblems, '');
  return runAnswer(call.tool, news, serving.pollIntervalMs, storeNow(serving.runs.store));
}

/** `resume_run` with answers that cannot be used: why, and the questions, still waiting under their keys. */
function answerInvalid(tool: GraphTool, run: RunRecord, questions: Question[], problems: string[], kept: string, head = 'The answer cannot be used; the run is still paused.'): CallToolResult {
  return {
    ...errorResult('ANSWER_INVALID', `${head}\n${problems.map((p) => `- ${p}`).join('\n')}${kept}\n\n${describeQuestions(tool.name, run.id, questions)}`),
    _meta: { 'graph-mcp/error': { code: 'ANSWER_INVALID' }, [RUN_META_KEY]: runMeta(run, questions) },
  };
}

/**
 * A paused run's questions asked again, saying why: the graph refused an
 * answer given to one of them (its own `responseSchema`). `rekey`: under new
 * keys (questions as they were asked before; questions described anew from
 * what the run still waits on have theirs already).
 */
export function askAgain(data: PauseData, problem: string, rekey: boolean, keepAnswers = false): PauseData {
  const usedKeys = [...(data.usedKeys ?? data.questions.map((question) => question.key))];
  const questions = data.questions.map((question) => {
    const key = rekey ? keyForAskingAgain(question.key, usedKeys) : question.key;
    if (rekey) usedKeys.push(key);
    return askedAgain(question, key, problem);
  });
  // The answers under the keys asked again were not taken: a retry bringing one is told so.
  const refused = Object.fromEntries(data.questions.map((question) => [question.key, { digest: '', round: data.round }]));
  return { ...data, questions, answers: keepAnswers ? (data.answers ?? {}) : {}, usedKeys, answerProblems: [problem], answeredDigests: { ...data.answeredDigests, ...refused } };
}

/**
 * `resume_run` for a run that no longer waits: answered by another
 * request, it went on to its end. Its result, saying that this answer was
 * not applied: a model that answered otherwise must not take the result
 * for the outcome of its own answer.
 */
function answeredBefore(tool: GraphTool, run: RunRecord): CallToolResult {
  const result = finishedAnswer(tool, run);
  if (run.status === 'cancelled') return result;
  const note = `The run of tool "${tool.name}" had already been answered, and had ended, when this answer came: this answer was not applied. The run's result follows.`;
  return { ...result, content: [{ type: 'text', text: note }, ...result.content] };
}

/** `resume_run` for a run that is running and asks nothing: where it is, and that the answer was not applied. */
function askingNothing(tool: GraphTool, run: RunRecord, pollIntervalMs: number): CallToolResult {
  const running = runHandleResult(tool.name, run, pollIntervalMs);
  const note = `The run of tool "${tool.name}" is not waiting for an answer: this answer was not applied.`;
  return { ...running, content: [{ type: 'text', text: note }, ...running.content] };
}

async function stepOf(run: RunRecord): Promise<RunStep> {
  const data = run.data as PauseData;
  if (data.result !== undefined) return { kind: 'done', result: data.result, run };
  return { kind: 'paused', run, interrupts: [] };
}

/** `boundArgs`: the digests of the arguments each requestState minted here binds its retry to, if any. */
async function continueRun(
  serving: PauseServing,
  call: CallContext,
  first: RunStep,
  responses: ClientResponses,
  boundArgs: () => Partial<ArgumentsDigests> | undefined,
  args?: unknown,
): Promise<CallAnswer> {
  let step = first;
  let available = responses;
  // Questions this call's client refused on its stream (or did not answer in time): not asked again in this call.
  const refusedOnStream = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS_PER_REQUEST; round += 1) {
    if (step.kind === 'done') {
      if (step.protocolError) throw protocolErrorOf(step.protocolError);
      return step.result;
    }
    if (step.kind === 'boundary') return beginTask(serving, call, step, args);
    if (step.kind === 'refused') {
      // The graph refused an answer (its own responseSchema): what still waits is asked again, under new keys, saying why.
      // Not applied here (another process holds the run or has its version): the answers kept from the round still stand.
      const saved = await serving.runs.setData(step.run, askAgain(step.run.data as PauseData, step.problem, !step.asked, step.untouched));
      if (saved === undefined) return busyResult(serving, call, step.run.id);
      step = { kind: 'paused', run: saved, interrupts: [] };
    }
    let run = step.run;
    if (hasEnded(run)) return finishedAnswer(call.tool, run);
    const data = run.data as PauseData;

    // Answers this request brought apply to the questions pending when it came: those its
    // requestState's round asked (or a first call's first round, or, in the 2025 era, those it
    // asked on its stream), never to a later round's.
    const { answers, missing, declined, usedKeys } = answerFromClient(data, available);
    const given = available;
    available = NO_RESPONSES;
    if (declined !== undefined) {
      await serving.runs.cancel(run, { ...data, questions: [], result: declinedResult(call.tool, declined) });
      return declinedResult(call.tool, declined);
    }

    // Only a 2026-07-28 client's inputResponses can come again with a round's requestState.
    const answeredDigests = call.era === 'modern' ? appliedDigests(data, given, answers) : data.answeredDigests;
    if (missing.length === 0) {
      step = await resumeOrRefuse(serving, call, run, answers, finishedAnswer, answeredDigests);
      continue;
    }
    if (missing.length < data.questions.length || usedKeys.length > (data.usedKeys?.length ?? 0)) {
      // Part of the round is answered, or an answer could not be used: keep the answers, ask the rest.
      const saved = await serving.runs.setData(run, { ...data, questions: missing, answers, usedKeys, ...(answeredDigests ? { answeredDigests } : {}) });
      if (saved === undefined) return busyResult(serving, call, run.id);
      run = saved;
    }

    if (call.era === 'modern') {
      const askable = missing.filter(askableBy(call.ctx));
      if (askable.length > 0) {
        // A new round for new questions. The same questions asked again (to a retry with an earlier
        // round's state) are the same round: a new one would void the state the rightful client
        // holds, and its answer, when it came, would be asked for again.
        const keys = askable.map((question) => question.key);
        const asked = (run.data as PauseData).roundKeys;
        const same = asked !== undefined && asked.length === keys.length && keys.every((key) => asked.includes(key));
        const current = same ? run : ((await serving.runs.setData(run, { ...(run.data as PauseData), round: (run.data as PauseData).round + 1, roundKeys: keys })) ?? run);
        return inputRequired({
          inputRequests: Object.fromEntries(askable.map((question) => [question.key, question.request])) as InputRequiredResult['inputRequests'],
          requestState: await serving.codec.mint(requestStatePayload(run.id, (current.data as PauseData).round, boundArgs()), call.ctx),
        });
      }
    } else if (call.sendOnStream !== undefined && round < MAX_ROUNDS_PER_REQUEST - 1 && missing.some((question) => !refusedOnStream.has(question.key))) {
      // (Not on the last pass: an answer would come with no pass left to apply it.)
      const streamed = await askQuestionsOnStream(serving, call, run, missing.filter((question) => !refusedOnStream.has(question.key)));
      // The server's grace is over: the run is left as it is, for the paused run's answer (and nothing resumes it here).
      const asked = call.runOptions.stopSignal?.aborted ? undefined : streamed;
      for (const key of asked?.refused ?? []) refusedOnStream.add(key);
      // What the client answered is applied, even when it refused another question of the round
      // (one it cannot take, such as sampling): those it refused are left for the paused run's answer.
      if (asked !== undefined && Object.keys(asked.answers).length > 0) {
        available = { responses: asked.answers, dropped: [] };
        step = { kind: 'paused', run: (await serving.runs.get(run.id, call.owner)) ?? run, interrupts: [] };
        continue;
      }
    }
    // The client cancelled the call (notifications/cancelled) or went away while it was being
    // asked, or as its last answers were applied: the run is cancelled with it, and the call ends
    // without an answer. A server stopping is not the client's doing: the run stays paused, and
    // the call answers with it.
    if (call.sendOnStream !== undefined && call.runOptions.signal?.aborted) {
      await serving.runs.cancel(run, { ...(run.data as PauseData), questions: [], result: errorResult('RUN_CANCELLED', `Tool "${call.tool.name}" was cancelled by the client.`) });
      throw new RunAbortedError();
    }
    return pausedResult(call.tool, run, missing);
  }
  if (step.kind === 'done') return step.result;
  if (step.kind === 'boundary') return beginTask(serving, call, step, args);
  return pausedResult(call.tool, step.run, (step.run.data as PauseData).questions);
}

/**
 * The run reached the node where its task begins, its questions so far
 * answered in the call: it becomes a task, and the call answers with it.
 * The task keeps the run's question keys, so none is used twice.
 */
async function beginTask(serving: PauseServing, call: CallContext, step: Extract<RunStep, { kind: 'boundary' }>, args: unknown): Promise<CallAnswer> {
  const usedKeys = (step.run?.data as PauseData | undefined)?.usedKeys;
  const task = await serving.tasks!.handOver(step, {
    tool: call.tool,
    args,
    principal: call.principal,
    ttlMs: serving.taskTtlMs,
    ...(usedKeys ? { data: { usedKeys } } : {}),
  });
  if (task === undefined) return busyResult(serving, call, step.run?.id);
  if (task === 'too-many-runs') return serving.runs.tooManyRuns(call.tool, 'the run reached the step where its task begins, and no task was created');
  return createTaskResult(task, call.era, serving.pollIntervalMs) as CallAnswer;
}

async function resumeOrRefuse(
  serving: PauseServing,
  call: CallContext,
  run: RunRecord,
  answers: Record<string, unknown>,
  ended: (tool: GraphTool, run: RunRecord) => CallToolResult = finishedAnswer,
  answered?: PauseData['answeredDigests'],
): Promise<RunStep> {
  const outcome = await serving.runs.resume(run, call.tool, answers, call.runOptions, describer(call, answered), (result) => ({
    ...(run.data as PauseData),
    questions: [],
    result,
    ...(answered !== undefined ? { answeredDigests: answered } : {}),
  }));
  // The graph refused an answer, and asks its question again (under a new key): the answer under the old key was not taken.
  if (typeof outcome === 'object' && outcome.kind === 'refused' && answered !== undefined) {
    const before = run.data as PauseData;
    const askedAgain = new Set(((outcome.run.data as PauseData).questions ?? []).map((question) => question.interruptId));
    const refusedKeys = before.questions.filter((question) => askedAgain.has(question.interruptId)).map((question) => question.key);
    const data = outcome.run.data as PauseData;
    const marked = Object.fromEntries(refusedKeys.map((key) => [key, { digest: '', round: before.round }]));
    return { ...outcome, run: { ...outcome.run, data: { ...data, answeredDigests: { ...data.answeredDigests, ...marked } } } };
  }
  if (outcome === 'busy') return { kind: 'done', result: await busyResult(serving, call, run.id) };
  if (outcome === 'finished') return { kind: 'done', result: ended(call.tool, run) };
  if (outcome === 'cancelled') return { kind: 'done', result: errorResult('RUN_CANCELLED', `Tool "${call.tool.name}" was cancelled while it was resumed (cancel_run); it did not finish.`) };
  return outcome;
}

/**
 * Asks the questions as requests on the call's response stream (2025 era)
 * and waits for their answers, which the client posts separately and the
 * store's signals bring here from whichever process received them: the
 * answers given, by key, and the keys of the questions the client refused
 * (an error answer: one it cannot take), gave no answer to in time, or
 * could not be asked (one its protocol revision cannot read).
 * When the wait is stopped first (`stopSignal`: the server's grace period
 * is over, a task moved on), the answers given so far, none refused but
 * those it could not be asked.
 * `undefined` when nothing could be asked (no question of the round the
 * client can read, the stream gone), or when the call is cancelled or
 * its client goes away. The caller then gets a paused-run result, and the
 * run, already in the store, can be resumed through any process.
 */
export async function askQuestionsOnStream(
  serving: PauseServing,
  call: {
    owner: string;
    ctx: ServerContext;
    sendOnStream?: StreamSend | undefined;
    relatedTask?: string;
    runOptions?: Pick<RunOptions, 'signal' | 'stopSignal'>;
  },
  run: RunRecord,
  questions: Question[],
): Promise<{ answers: Record<string, unknown>; refused: string[] } | undefined> {
  const send = call.sendOnStream!;
  // A question the client cannot read (a URL-mode question to a 2025-06-18 client) is not sent: it
  // counts as refused, and is left for the paused run's answer. The rest of its round is asked.
  const unreadable = unreadableOn(send, questions);
  if (unreadable.length > 0) streamLog.unreadable(serving, run, unreadable.map((question) => question.key));
  const readable = questions.filter((question) => !unreadable.includes(question));
  if (readable.length === 0) return undefined;
  const ends = [call.ctx.mcpReq.signal, call.runOptions?.signal, call.runOptions?.stopSignal].filter((signal) => signal !== undefined);
  if (ends.some((signal) => signal.aborted)) return undefined;
  const asked: AskedOnStream[] = [];
  try {
    for (const question of readable) asked.push(await askOnStream(serving, call, run, question, ends));
    const keys = readable.map((question) => question.key);
    const sent = asked.filter((question) => question.sent).map((question) => question.key);
    if (sent.length > 0) streamLog.asked(serving, run, sent);
    const answers = await Promise.all(asked.map((question) => question.answer));
    // The call cancelled or gone: its run goes with it, and nothing it answered is kept.
    if (call.ctx.mcpReq.signal.aborted || call.runOptions?.signal?.aborted) return undefined;
    // The wait stopped (the server's grace is over, the task moved on): what was answered is kept, and nothing counts as refused.
    const given = Object.fromEntries(answers.filter((answer) => answer !== undefined));
    const cannotRead = unreadable.map((question) => question.key);
    if (call.runOptions?.stopSignal?.aborted) return { answers: given, refused: cannotRead };
    const refused = keys.filter((_key, i) => answers[i] === undefined);
    if (refused.length > 0) streamLog.unanswered(serving, run, refused);
    return { answers: given, refused: [...cannotRead, ...refused] };
  } catch (error) {
    serving.logger?.debug({ err: { message: (error as Error).message }, run: run.id }, 'asking on the response stream failed');
    return undefined;
  } finally {
    for (const question of asked) question.stop();
  }
}

/** One question sent on a 2025-era response stream, its answer awaited. */
export interface AskedOnStream {
  key: string;
  /** `[key, result]` once answered; `undefined` when refused (an error answer), not answered in `questionTimeoutMs`, when one of the wait's `ends` aborts, or once stopped. */
  answer: Promise<[string, unknown] | undefined>;
  /** Stops waiting: the answer, if it comes, is dropped. */
  stop(): void;
  /** Whether it was sent: not when the wait had ended before it could be (its answer is then `undefined`). */
  sent: boolean;
}

/**
 * Sends `question` on the call's response stream (2025 era) as a request
 * of graph-mcp's, and waits for the client's answer, which it posts
 * separately: the store's signals bring it here from whichever process
 * received it (only the run owner's). Rejects when it cannot be sent.
 */
export async function askOnStream(
  serving: PauseServing,
  call: { owner: string; sendOnStream?: StreamSend | undefined; relatedTask?: string },
  run: RunRecord,
  question: Question,
  ends: readonly AbortSignal[],
): Promise<AskedOnStream> {
  const id = `${SERVER_REQUEST_ID_PREFIX}${run.id}:${question.key}:${randomBytes(6).toString('hex')}`;
  let settle!: (answer: [string, unknown] | undefined) => void;
  const answer = new Promise<[string, unknown] | undefined>((resolve) => (settle = resolve));
  const timer = setTimeout(() => settle(undefined), serving.questionTimeoutMs);
  const onAbort = () => settle(undefined);
  for (const signal of ends) signal.addEventListener('abort', onAbort, { once: true });
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    for (const signal of ends) signal.removeEventListener('abort', onAbort);
    unsubscribe?.();
    settle(undefined);
  };
  // The wait over before the question could go (one that aborted already fires no listener): not sent, as nobody would read its answer.
  const over = () => ends.some((signal) => signal.aborted);
  if (over()) {
    stop();
    return { key: question.key, answer, stop, sent: false };
  }
  try {
    const listening = await serving.signals.subscribe(answerChannel(id), (payload) => {
      const message = payload as { owner?: unknown; response?: { result?: unknown; error?: unknown } };
      // An answer from anyone but the run's owner is ignored.
      if (message.owner !== call.owner || message.response === undefined) return;
      settle(message.response.error === undefined ? [question.key, message.response.result] : undefined);
    });
    // Stopped while it subscribed: nothing is listening any more.
    if (stopped) listening();
    else unsubscribe = listening;
    if (stopped || over()) {
      stop();
      return { key: question.key, answer, stop, sent: false };
    }
    const related = call.relatedTask === undefined ? {} : { _meta: { 'io.modelcontextprotocol/related-task': { taskId: call.relatedTask } } };
    await call.sendOnStream!({ jsonrpc: '2.0', id, method: question.request.method, params: { ...question.request.params, ...related } });
  } catch (error) {
    stop();
    throw error;
  }
  return { key: question.key, answer, stop, sent: true };
}

const NOT_A_RESULT = 'the answer is not a result object (an elicitation, sampling or roots result)';

/**
 * Matches a client's raw answers (by input request key) to the pending
 * questions: the resume values collected (with those of earlier partial
 * rounds), the questions still unanswered, or answered unusably (those
 * under a new key, added to `usedKeys`), and the first decline.
 */
export function answerFromClient(
  data: PauseData,
  { responses, dropped }: ClientResponses,
): { answers: Record<string, unknown>; missing: Question[]; declined: string | undefined; problems: string[]; usedKeys: string[] } {
  const answers: Record<string, unknown> = { ...data.answers };
  const missing: Question[] = [];
  const problems: string[] = [];
  const usedKeys = [...(data.usedKeys ?? data.questions.map((question) => question.key))];
  let declined: string | undefined;
  for (const question of data.questions) {
    // Own keys only: a question keyed "constructor" or "toString" is not answered by Object's own.
    const response = Object.hasOwn(responses, question.key) ? responses[question.key] : undefined;
    if (response === undefined && !dropped.includes(question.key)) {
      missing.push(question);
      continue;
    }
    const decoded: Decoded = response === undefined ? { ok: false, declined: false, problem: NOT_A_RESULT } : decodeAnswer(question, response, 'client');
    if (decoded.ok) answers[question.interruptId] = decoded.value;
    else if (decoded.declined) declined ??= decoded.action;
    else {
      const key = keyForAskingAgain(question.key, usedKeys);
      usedKeys.push(key);
      missing.push(askedAgain(question, key, decoded.problem));
      problems.push(`"${question.key}": ${decoded.problem}`);
    }
  }
  return { answers, missing, declined, problems, usedKeys };
}

/**
 * A question asked again under `key` after an answer that could not be
 * used. A form says why above the question (its `text`, the form's own
 * message, stays as it was, so reasons never pile up); an MCP request the
 * graph wrote itself goes as it was written.
 */
function askedAgain(question: Question, key: string, problem: string): Question {
  if (question.decoder.kind === 'mcp' || question.request.method !== 'elicitation/create') return { ...question, key };
  const message = `The last answer could not be used (${problem}). Please answer again.\n\n${question.text}`;
  return { ...question, key, request: { ...question.request, params: { ...question.request.params, message } } };
}

/** The channel an answer to one of graph-mcp's stream requests travels on. */
export function answerChannel(requestId: string): string {
  return `answer:${requestId}`;
}

/** `answered`: the digests of the answers that resumed the run (`PauseData.answeredDigests`), kept with its next questions. */
export function describer(call: Pick<CallContext, 'runOptions'>, answered?: PauseData['answeredDigests']): DescribePause {
  return (interrupts: PendingInterrupt[], previous: RunRecord | undefined): PauseData => {
    const before = previous?.data as PauseData | undefined;
    const usedKeys = before?.usedKeys ?? [];
    // Questions leave the run: scrub the credentials it was handed, like every other way out.
    const questions = scrubValue(questionsFor(interrupts, usedKeys), call.runOptions.secretsUsed?.());
    const answeredDigests = answered ?? before?.answeredDigests;
    return { questions, answers: {}, usedKeys: [...usedKeys, ...questions.map((q) => q.key)], round: before?.round ?? 0, ...(answeredDigests ? { answeredDigests } : {}) };
  };
}

/**
 * The answers a 2026-07-28 request brings, as the SDK lifts them off its
 * params: the well-formed ones, and the keys of those it dropped (not a bare
 * result object), which count as answers that cannot be used.
 * `undefined` when the request brings none.
 */
export function clientResponses(ctx: ServerContext): ClientResponses | undefined {
  const { inputResponses, droppedInputResponseKeys } = ctx.mcpReq as { inputResponses?: Record<string, unknown>; droppedInputResponseKeys?: string[] };
  if (inputResponses === undefined) return undefined;
  return { responses: inputResponses, dropped: droppedInputResponseKeys ?? [] };
}

export interface ClientResponses {
  responses: Record<string, unknown>;
  dropped: readonly string[];
}

const NO_RESPONSES: ClientResponses = { responses: {}, dropped: [] };

/**
 * `data.answeredDigests`, and a digest of each answer in `given` that
 * `answers` took (by its question's interrupt id) for a question of
 * `data`'s round (a 2026-07-28 request's `inputResponses`).
 */
function appliedDigests(data: PauseData, given: ClientResponses, answers: Record<string, unknown>): PauseData['answeredDigests'] {
  const digests: NonNullable<PauseData['answeredDigests']> = { ...data.answeredDigests };
  for (const question of data.questions) {
    if (!Object.hasOwn(given.responses, question.key) || !Object.hasOwn(answers, question.interruptId)) continue;
    const digest = sentDigest(given.responses[question.key]);
    if (digest !== undefined) digests[question.key] = { digest, round: data.round };
  }
  return Object.keys(digests).length === 0 ? undefined : digests;
}

/**
 * Whether a retry of `state`'s round brings, for a question the ended `run`
 * took (or refused) an answer to in that round, another answer than the
 * one it took. Answers to other rounds' questions, which that round
 * ignored when it came, say nothing.
 */
function otherAnswersThanApplied(run: RunRecord, state: RequestStatePayload, retry: ClientResponses): boolean {
  const applied = (run.data as PauseData).answeredDigests;
  if (applied === undefined || state.round === undefined) return false;
  return Object.entries(retry.responses).some(([key, response]) => {
    const taken = Object.hasOwn(applied, key) ? applied[key] : undefined;
    return taken !== undefined && taken.round === state.round && sentDigest(response) !== taken.digest;
  });
}

function inputResponsesOf(call: CallContext): ClientResponses {
  return call.era === 'modern' ? (clientResponses(call.ctx) ?? NO_RESPONSES) : NO_RESPONSES;
}

function requestStatePayload(run: string, round: number, bound: Partial<ArgumentsDigests> | undefined): RequestStatePayload {
  return { run, round, ...(bound?.args !== undefined ? { args: bound.args } : {}), ...(bound?.sent !== undefined ? { sent: bound.sent } : {}) };
}

/** The digests a retry's state carries on to the next round's. */
function boundBy(state: RequestStatePayload): Partial<ArgumentsDigests> {
  return { args: state.args, ...(state.sent !== undefined ? { sent: state.sent } : {}) };
}

function isPayload(value: unknown): value is RequestStatePayload {
  return value !== null && typeof value === 'object' && typeof (value as RequestStatePayload).run === 'string';
}

/** What a caller that cannot be asked in-protocol gets: the question in words, and how to answer. */
export function pausedResult(tool: GraphTool, run: RunRecord, questions: Question[]): CallToolResult {
  return {
    // Flagged as an error so clients that check results against the tool's
    // output schema accept it; the text says plainly that nothing failed.
    isError: true,
    content: [
      {
        type: 'text',
        text: `The tool "${tool.name}" has paused to ask a question; it has not failed and will continue once answered.\n\n${describeQuestions(tool.name, run.id, questions)}`,
      },
    ],
    _meta: { [RUN_META_KEY]: runMeta(run, questions) },
  };
}

function describeQuestions(toolName: string, runId: string, questions: Question[]): string {
  const lines = questions.map((q) => (questions.length === 1 ? `Question: ${q.text}\n${answerHint(q)}` : `Question "${q.key}": ${q.text}\n${answerHint(q)}`));
  const tool = ownToolNamed('resume_run', toolName);
  const how =
    questions.length === 1
      ? `To answer, call the tool ${tool} with {"run_id": "${runId}", "answer": <the answer>}.`
      : `To answer, call the tool ${tool} with {"run_id": "${runId}", "answers": {${questions.map((q) => `"${q.key}": <answer>`).join(', ')}}}: one answer for each question, by its key.`;
  return `${lines.join('\n\n')}\n\n${how}`;
}

function runMeta(run: RunRecord, questions: Question[]) {
  return {
    id: run.id,
    status: 'input_required',
    tool: run.tool,
    expiresAt: new Date(run.expiresAt).toISOString(),
    questions: questions.map((q) => ({ key: q.key, text: q.text, request: q.request })),
  };
}

function finishedAnswer(tool: GraphTool, run: RunRecord): CallToolResult {
  const result = (run.data as PauseData).result;
  if (result !== undefined) return result;
  return errorResult('RUN_NOT_FOUND', `Tool "${tool.name}": the run was cancelled and has no result.`);
}

/** A question declined or cancelled: the run is cancelled, and this is what its caller is told. */
export function declinedResult(tool: GraphTool, action: string): CallToolResult {
  return errorResult('INPUT_DECLINED', `Tool "${tool.name}" stopped: the question was not answered (${action}). The run is cancelled.`);
}

/**
 * Another request holds the run. The answer says until when its claim
 * holds, read as the run is now (one read, on a conflict only): a request
 * whose process died holds it till then, and a caller told only "shortly"
 * would retry for minutes.
 */
async function busyResult(serving: PauseServing, call: CallContext, id: string | undefined): Promise<CallToolResult> {
  let run: RunRecord | undefined;
  try {
    run = id === undefined ? undefined : await serving.runs.get(id, call.owner);
  } catch {
    // The store failed this read: the conflict is said without the time.
  }
  const now = storeNow(serving.runs.store);
  const until = run?.status === 'working' && run.leaseUntil != null && run.leaseUntil > now ? run.leaseUntil : undefined;
  const lapse = until === undefined ? '' : ` If that request's process has stopped, its claim lapses at ${new Date(until).toISOString()}, and the run can be answered again then.`;
  return errorResult('RUN_CONFLICT', `Tool "${call.tool.name}": this paused run is being resumed by another request. Try again shortly.${lapse}`);
}
