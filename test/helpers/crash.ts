// Durable tasks on a store that several graph-mcp processes (the CLI) share, with those
// processes killed by SIGKILL while they work: one procedure for every such store (SQLite
// on one machine, PostgreSQL on several), so the stores are tested the same way.
//
// Every task runs the fixture graph `logged`, whose nodes append "<label> <node> start"
// (and "<label> <node>" at their end, or "<label> <node> aborted") to one file that all
// processes share: which nodes ran, and
// which ran twice, is read from it afterwards.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ToolMessage } from '@langchain/core/messages';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { startServeProcess, type ServingProcess } from './cli.js';
import { nodeLog } from './node-log.js';
import { taskRequest } from './raw.js';
import { FIXTURES } from './server.js';
import { until } from './wait.js';

/** What the crash tests read straight from a store's tables. */
export interface StoreProbe {
  /**
   * The process ids of the processes holding a claim on a working task (on
   * `taskId` when given), from the runs table: a worker's id starts with its pid.
   */
  holders(taskId?: string): Promise<number[]>;
  /**
   * From now on, records every write that leaves a run `completed`, with the
   * task's attempt at that moment (a trigger on the runs table, which must exist).
   */
  recordFinishes(): Promise<void>;
  /** Those writes. */
  finishes(): Promise<Array<{ id: string; attempt: number }>>;
  /** How many checkpoints of a run's thread are in the store. */
  checkpoints(threadId: string): Promise<number>;
}

export interface CrashStore {
  /** `store` in agent.config.json; a relative path is relative to `dir`. */
  store: Record<string, unknown>;
  /** More environment for the serving processes (a connection string). */
  env?: NodeJS.ProcessEnv;
  probe: StoreProbe;
  /** Removes what the store left behind (a schema). */
  cleanup?: () => Promise<void>;
}

export interface CrashOptions {
  /** The store, for a fresh directory holding the config and the node log. */
  store: (dir: string) => CrashStore;
  /** Serving processes at once. */
  processes: number;
  /** Tasks in the run with random kills. */
  tasks: number;
  /** Every this many tasks, one pauses at `interrupt()` and is answered with `tasks/update`. */
  askEvery: number;
}

/** A task's result, or throws: a JSON-RPC error, or a process that is down. */
async function rpc(url: string, method: string, params: Record<string, unknown>): Promise<Record<string, any>> {
  const message = await taskRequest(url, method, params);
  if (!message.result) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
  return message.result as Record<string, any>;
}

const NODES = ['s1', 's2', 's3', 's4'];
/** Tasks created for each kill. */
const KILL_EVERY = 25;

/** Per label, the nodes started, in the order they started (as node indexes). */
function startsByLabel(lines: string[]): Map<string, number[]> {
  const starts = new Map<string, number[]>();
  for (const line of lines) {
    const [label, node, event] = line.split(' ');
    if (event !== 'start' || label === undefined) continue;
    starts.set(label, [...(starts.get(label) ?? []), NODES.indexOf(node!)]);
  }
  return starts;
}

/**
 * Registers the crash tests for one store: a task answered across processes,
 * one worker killed mid-run, and `tasks` tasks with random kills.
 */
export function describeCrashes(name: string, options: CrashOptions): void {
  describe(`durable tasks on ${name}, with processes killed by SIGKILL`, () => {
    let dir: string;
    let config: string;
    let logPath: string;
    let store: CrashStore;
    /** The processes serving now, one per slot; a killed one is replaced in its slot. */
    const pool: ServingProcess[] = [];
    /** Every process started, for the clean-up. */
    const started: ServingProcess[] = [];

    async function start(): Promise<ServingProcess> {
      const serving = await startServeProcess(['--config', config, '--port', '0'], { env: store.env ?? {} });
      started.push(serving);
      return serving;
    }

    /** SIGKILL; resolves once the process is gone. */
    async function kill(victim: ServingProcess): Promise<void> {
      const gone = new Promise((resolve) => victim.child.once('exit', resolve));
      victim.child.kill('SIGKILL');
      await gone;
    }

    const steps = () => nodeLog(logPath);

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-crash-'));
      config = path.join(dir, 'agent.config.json');
      logPath = path.join(dir, 'steps.log');
      store = options.store(dir);
      await writeFile(logPath, '');
      await writeFile(
        config,
        JSON.stringify({
          graphs: {
            logged: `${path.join(FIXTURES, 'graphs/hitl.ts')}:logged`,
            // A caller that cannot poll tasks gets a run handle after 200 ms.
            handed: { path: `${path.join(FIXTURES, 'graphs/hitl.ts')}:logged`, max_wait_ms: 200 },
          },
          store: store.store,
          // Short leases: a dead worker's tasks are taken over within a second.
          defaults: { task_lease_ms: 1_000, poll_interval_ms: 50 },
        }),
      );
      // They start at once, so they also migrate the new store at once.
      pool.push(...(await Promise.all(Array.from({ length: options.processes }, () => start()))));
      await store.probe.recordFinishes();
    });

    after(async () => {
      for (const serving of started) if (serving.child.exitCode === null && serving.child.signalCode === null) serving.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      await store.cleanup?.();
    });

    test('a task created through one process asks through another and is answered through a third', async () => {
      const [a, b, c] = [pool[0]!, pool[1 % pool.length]!, pool[2 % pool.length]!];
      const created = await rpc(a.url, 'tools/call', { name: 'logged', arguments: { label: 'asked', log_path: logPath, ask: true } });
      assert.equal(created.resultType, 'task');
      const asking = await until('the question', async () => {
        const task = await rpc(b.url, 'tasks/get', { taskId: created.taskId });
        return task.status === 'input_required' ? task : undefined;
      });
      assert.deepEqual(Object.keys(asking.inputRequests), ['go_on']);
      await rpc(c.url, 'tasks/update', { taskId: created.taskId, inputResponses: { go_on: { action: 'accept', content: { answer: 'yes' } } } });
      const done = await until('the result', async () => {
        const task = await rpc(a.url, 'tasks/get', { taskId: created.taskId });
        return task.status === 'completed' ? task : undefined;
      });
      assert.deepEqual(done.result.structuredContent.answer, 'yes');
      assert.equal(done.result.structuredContent.done, 4);
    });

    test('a worker killed with SIGKILL mid-run: another continues the task from its last checkpoint', async () => {
      const created = await rpc(pool[0]!.url, 'tools/call', { name: 'logged', arguments: { label: 'killed', log_path: logPath, step_ms: 1_000 } });
      await until('node s3 to start', async () => ((await steps()).includes('killed s3 start') ? true : undefined));
      const [pid] = await store.probe.holders(created.taskId);
      const slot = pool.findIndex((serving) => serving.child.pid === pid);
      assert.ok(slot >= 0, 'a serving process holds the task');
      await kill(pool[slot]!);
      pool[slot] = await start();
      const done = await until(
        'completion after the kill',
        async () => {
          const task = await rpc(pool[(slot + 1) % pool.length]!.url, 'tasks/get', { taskId: created.taskId });
          return task.status === 'completed' ? task : undefined;
        },
        60_000,
      );
      assert.equal(done.result.structuredContent.done, 4);
      const starts = (await steps()).filter((line) => line.startsWith('killed ') && line.endsWith(' start'));
      const count = (node: string) => starts.filter((line) => line === `killed ${node} start`).length;
      // s2's checkpoint was written before s3 started: s1 and s2 are not run again.
      assert.equal(count('s1'), 1, 's1 finished before the kill and did not run again');
      assert.equal(count('s2'), 1, 's2 finished before the kill and did not run again');
      assert.ok(count('s3') <= 2, 's3, under way when its process died, ran again at most once');
      assert.equal(count('s4'), 1);
      const finishes = (await store.probe.finishes()).filter((finish) => finish.id === created.taskId);
      assert.deepEqual(
        finishes.map((finish) => finish.attempt),
        [2],
        'recorded once, by the second worker',
      );
    });

    test('a worker paused past its lease (SIGSTOP), whose task another took over and died with: resumed, it does not record its out-of-date run; the task goes on from the checkpoints', { timeout: 120_000 }, async () => {
      const created = await rpc(pool[0]!.url, 'tools/call', { name: 'logged', arguments: { label: 'paused', log_path: logPath, step_ms: 1_500 } });
      await until('node s2 to start', async () => ((await steps()).includes('paused s2 start') ? true : undefined));
      // A: the process running it (any process may have claimed it).
      const [holder] = await store.probe.holders(created.taskId);
      const aSlot = pool.findIndex((serving) => serving.child.pid === holder);
      assert.ok(aSlot >= 0, 'a serving process holds the task');
      const a = pool[aSlot]!;
      a.child.kill('SIGSTOP');
      const stopped: ServingProcess[] = [a];
      try {
        // Another process takes the task over once A's lease has run out, and gets as far as s3.
        const [takerPid] = await until('another process to take the task', async () => {
          const holders = await store.probe.holders(created.taskId);
          return holders.length === 1 && holders[0] !== a.child.pid ? holders : undefined;
        });
        const takerSlot = pool.findIndex((serving) => serving.child.pid === takerPid);
        assert.ok(takerSlot >= 0 && takerSlot !== aSlot);
        await until('the taker to start s3', async () => ((await steps()).includes('paused s3 start') ? true : undefined));
        // No other process may take it: A, resumed, finds the task (its lease run out) and may claim it.
        for (const [slot, serving] of pool.entries()) {
          if (slot !== aSlot && slot !== takerSlot) {
            serving.child.kill('SIGSTOP');
            stopped.push(serving);
          }
        }
        await kill(pool[takerSlot]!);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        a.child.kill('SIGCONT');
        stopped.splice(0, 1);
        const done = await until(
          'completion on A',
          async () => {
            const task = await rpc(a.url, 'tasks/get', { taskId: created.taskId });
            return task.status === 'completed' ? task : undefined;
          },
          60_000,
        );
        assert.equal(done.result.structuredContent.done, 4);
        const finishes = (await store.probe.finishes()).filter((finish) => finish.id === created.taskId);
        assert.equal(finishes.length, 1, 'recorded once');
        const trace = (await steps()).filter((line) => line.startsWith('paused ')).join(' / ');
        assert.ok(finishes[0]!.attempt >= 3, `recorded by a run begun after the takeover (attempt ${finishes[0]!.attempt}), not by A's first run, out of date since: ${trace}`);
        assert.equal((await steps()).filter((line) => line === 'paused s4').length, 1, `s4 ran once: ${trace}`);
        pool[takerSlot] = await start();
      } finally {
        for (const serving of stopped) serving.child.kill('SIGCONT');
      }
    });

    test('a call handed out as a run handle by max_wait_ms, its process killed: another continues it from its last checkpoint, and get_run returns the result', async () => {
      /** A MultiServerMCPClient on one process, and its tools by name. */
      const adapterOn = async (url: string) => {
        const client = new MultiServerMCPClient({ mcpServers: { s: { url, transport: 'http' } }, useStandardContentBlocks: true });
        const tools = new Map((await client.getTools()).map((tool) => [tool.name, tool]));
        return { client, tool: (name: string) => tools.get(name)! };
      };
      const onA = await adapterOn(pool[0]!.url);
      const onB = await adapterOn(pool[1]!.url);
      try {
        // The adapter turns the handle (an isError result) into a ToolException: its text carries the run id.
        const handed = await onA
          .tool('handed')
          .invoke({ type: 'tool_call', id: 'c1', name: 'handed', args: { label: 'handed', log_path: logPath, step_ms: 400 } })
          .catch((error: Error) => error);
        assert.ok(handed instanceof Error && /still running in the background/.test(handed.message), String(handed));
        const runId = /"run_id": "([^"]+)"/.exec(handed.message)![1]!;
        assert.deepEqual(await store.probe.holders(runId), [pool[0]!.child.pid], 'the call goes on in the process that ran it');
        // Handed out during s1, the run stopped after it, stored that checkpoint and went on storing each
        // step's: once s2 has finished and its checkpoint is stored, s3 is under way.
        await until('s2 checkpointed', async () => ((await steps()).includes('handed s2') && (await store.probe.checkpoints(runId)) >= 2 ? true : undefined));
        await kill(pool[0]!);
        pool[0] = await start();
        const done = await until('the result through get_run on B', async () => (await onB.tool('get_run').invoke({ type: 'tool_call', id: 'c2', name: 'get_run', args: { run_id: runId } })) as ToolMessage);
        const structured = (done.artifact as Array<{ type: string; data?: { done?: number } }>).find((item) => item.type === 'mcp_structured_content');
        assert.equal(structured?.data?.done, 4);
        const starts = (await steps()).filter((line) => line.startsWith('handed ') && line.endsWith(' start'));
        assert.equal(starts.filter((line) => line === 'handed s1 start').length, 1, 's1 was checkpointed before the kill and did not run again');
        assert.equal(starts.filter((line) => line === 'handed s2 start').length, 1, 's2 was checkpointed before the kill and did not run again');
        assert.equal((await steps()).filter((line) => line === 'handed s4').length, 1, 'the run completed once');
        const finishes = (await store.probe.finishes()).filter((finish) => finish.id === runId);
        assert.deepEqual(
          finishes.map((finish) => finish.attempt),
          [2],
          'recorded once, by the worker that took it over',
        );
      } finally {
        await onA.client.close().catch(() => undefined);
        await onB.client.close();
      }
    });

    test(`${options.tasks} tasks, some answered through tasks/update, random SIGKILLs: each finishes exactly once, none is lost, killed runs resume from their last checkpoint`, { timeout: 300_000 }, async () => {
      const began = performance.now();
      /** Task id -> its label, and whether it asks (pauses at interrupt()). */
      const tasks = new Map<string, { label: string; asks: boolean }>();
      const results = new Map<string, Record<string, any>>();
      let creating = true;
      // The killer and the creator take turns: the killer starts a spare process; the creator
      // then creates KILL_EVERY tasks; a random moment later (those tasks in flight) the killer
      // kills a process that is running tasks and puts the spare in its slot. Once every task
      // is created, the killer goes on until every task has finished.
      let kills = 0;
      let spareReady = false;
      let batches = 0;
      let stopKilling = false;
      const killer = (async () => {
        while (!stopKilling) {
          const spare = await start();
          spareReady = true;
          const batch = batches + 1;
          await until('a batch of tasks', async () => (batches >= batch || !creating || stopKilling ? true : undefined), 120_000);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 700));
          if (stopKilling) break;
          const slots = pool.map((_, slot) => slot);
          // Best, a process running a task past s1 (so the kill is seen to be recovered from, however
          // fast or slow the machine runs the batch); else one running any task; else any.
          const pastS1 = await until('a task past s1 under way', () => slotRunningPastS1(), 2_000).catch(() => undefined);
          const busy = await store.probe.holders();
          const running = slots.filter((slot) => busy.includes(pool[slot]!.child.pid!));
          const choice = pastS1 !== undefined ? [pastS1] : running.length > 0 ? running : slots;
          const slot = choice[Math.floor(Math.random() * choice.length)]!;
          await kill(pool[slot]!);
          pool[slot] = spare;
          kills += 1;
        }
      })();
      /** The slot of a process holding a task that has finished s1 but not s4, if any. */
      const slotRunningPastS1 = async (): Promise<number | undefined> => {
        const lines = new Set(await steps());
        for (const [taskId, task] of tasks) {
          if (results.has(taskId) || !lines.has(`${task.label} s1`) || lines.has(`${task.label} s4`)) continue;
          const [pid] = await store.probe.holders(taskId);
          const slot = pool.findIndex((serving) => serving.child.pid === pid);
          if (slot >= 0) return slot;
        }
        return undefined;
      };
      // The caller's side: poll every task through whichever process is up, answer the questions.
      const drive = async () => {
        const deadline = Date.now() + 240_000;
        let turn = 0;
        const url = () => pool[turn++ % pool.length]!.url;
        while (creating || results.size < tasks.size) {
          if (Date.now() > deadline) throw new Error(`${tasks.size - results.size} tasks never finished`);
          for (const [taskId, task] of tasks) {
            if (results.has(taskId)) continue;
            const state = await rpc(url(), 'tasks/get', { taskId }).catch(() => undefined);
            if (state?.status === 'completed') results.set(taskId, state.result);
            else if (state?.status === 'input_required') {
              const inputResponses = { go_on: { action: 'accept', content: { answer: `yes ${task.label}` } } };
              await rpc(url(), 'tasks/update', { taskId, inputResponses }).catch(() => undefined);
            } else if (state !== undefined && state.status !== 'working') throw new Error(`task ${task.label} ended ${state.status}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      const driving = drive();
      try {
        for (let i = 0; i < options.tasks; i += 1) {
          if (i % KILL_EVERY === 0) {
            await until('a spare process', async () => (spareReady ? true : undefined), 120_000);
            spareReady = false;
          }
          // A process may be down (killed): each try goes to the next slot. A try whose answer
          // was lost may still have stored its task: each try has its own label, so such a
          // task (the caller never learns of it) is told apart from this one.
          let attempt = 0;
          const asks = i % options.askEvery === 0;
          const created = await until(
            `task ${i} to be created`,
            () => {
              const label = `t${i}.${attempt}`;
              return rpc(pool[(i + attempt++) % pool.length]!.url, 'tools/call', { name: 'logged', arguments: { label, log_path: logPath, ask: asks } }).then((result) => ({
                result,
                label,
              }));
            },
            90_000,
          );
          tasks.set(created.result.taskId as string, { label: created.label, asks });
          if ((i + 1) % KILL_EVERY === 0) batches += 1;
        }
        creating = false;
        await driving;
      } finally {
        creating = false;
        stopKilling = true;
        await killer;
        await driving.catch(() => undefined);
      }

      const lines = await steps();
      const starts = startsByLabel(lines);
      const finishes = await store.probe.finishes();
      let repeated = 0;
      let takenOver = 0;
      let resumedPastS1 = 0;
      for (const [taskId, task] of tasks) {
        const result = results.get(taskId)!.structuredContent;
        assert.equal(result.done, 4, `${task.label} ran every node`);
        if (task.asks) assert.equal(result.answer, `yes ${task.label}`, `${task.label} got its own answer`);
        const recorded = finishes.filter((finish) => finish.id === taskId);
        assert.equal(recorded.length, 1, `${task.label} was recorded as finished exactly once`);
        const order = starts.get(task.label) ?? [];
        // Continued from the last checkpoint: a node may start again (the one under way when its
        // process died), but never one before it, and the run never starts over.
        assert.ok(
          order.every((node, k) => k === 0 || node >= order[k - 1]!),
          `${task.label} never went back to an earlier node: ${order.map((n) => NODES[n]).join(' ')}`,
        );
        assert.deepEqual([...new Set(order)], [0, 1, 2, 3], `${task.label} started each node`);
        repeated += order.length - 4;
        // A claim is an attempt; answering a question is one more claim.
        if (recorded[0]!.attempt > (task.asks ? 2 : 1)) {
          takenOver += 1;
          if (order.filter((node) => node === 0).length === 1) resumedPastS1 += 1;
        }
      }
      const seconds = (performance.now() - began) / 1000;
      const asked = [...tasks.values()].filter((task) => task.asks).length;
      console.log(
        `${name}: ${tasks.size} tasks (${asked} answered through tasks/update) on ${options.processes} processes, ${kills} SIGKILLs, ` +
          `${takenOver} tasks taken over by another worker (${resumedPastS1} of them past s1 when taken over), ` +
          `${repeated} node runs repeated, every task recorded finished exactly once, in ${seconds.toFixed(1)} s`,
      );
      assert.equal(tasks.size, options.tasks);
      assert.ok(resumedPastS1 >= 1, 'some task was taken over after a kill, and continued past the nodes it had finished');
    });
  });
}
