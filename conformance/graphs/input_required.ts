/** The suite's `input-required-result-*` fixtures (2026-07-28 multi-round-trip). */
import { askThen, elicit, listRoots, sample, textOf } from './asking.js';

const userName = () => elicit('user_name', 'What is your name?', { name: { type: 'string' } });

export const elicitation = askThen([[userName()]], (a) => `Hello, ${a.user_name?.content?.name}!`);

export const sampling = askThen([[sample('capital_question', 'What is the capital of France?', 100)]], (a) => textOf(a.capital_question));

export const listRootsGraph = askThen([[listRoots('client_roots')]], (a) => `Roots: ${(a.client_roots?.roots ?? []).map((r: { uri: string }) => r.uri).join(', ')}`);

export const requestState = askThen([[elicit('confirm', 'Please confirm', { ok: { type: 'boolean' } })]], (a) => `state-ok: confirmed=${a.confirm?.content?.ok}`);

export const multipleInputs = askThen(
  [[userName(), sample('greeting', 'Generate a greeting', 50), listRoots('client_roots')]],
  (a) => `${textOf(a.greeting)} ${a.user_name?.content?.name} (${(a.client_roots?.roots ?? []).length} roots)`,
);

export const multiRound = askThen(
  [[elicit('step1', 'Step 1: What is your name?', { name: { type: 'string' } })], [elicit('step2', 'Step 2: What is your favorite color?', { color: { type: 'string' } })]],
  (a) => `${a.step1?.content?.name} likes ${a.step2?.content?.color}`,
);

/** Asks for a sampling and an elicitation at once: a client that declared only sampling is asked only that. */
export const capabilities = askThen(
  [[sample('summary', 'Summarise the request', 20), elicit('approval', 'Approve?', { ok: { type: 'boolean' } })]],
  (a) => `sampled: ${textOf(a.summary)}`,
);

export const tamperedState = askThen([[elicit('confirm', 'Please confirm', { ok: { type: 'boolean' } })]], () => 'confirmed');
