// One suite every store implementation must pass, so memory, SQLite and PostgreSQL cannot drift apart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { until } from '../helpers/wait.js';

export interface StoreHarness {
  /** A store on a fresh database (or schema). */
  open(): Promise<Store>;
  /** A second store on the same database, as another process would open it; absent for memory. */
  openTwin?(): Promise<Store>;
}

const HOUR = 3_600_000;

export function storeContract(name: string, harness: StoreHarness): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let twin: Store | undefined;
    before(async () => {
      store = await harness.open();
      twin = await harness.openTwin?.();
    });
    after(async () => {
      await twin?.close();
      await store.close();
    });

    test('check() passes on a migrated store', async () => {
      await store.check();
    });

    test('a run is found only by its owner, and never after it expired', async () => {
      const run = await store.runs.create({ id: 'r-owner', owner: 'alice', tool: 't', status: 'input_required', data: { a: 1 }, expiresAt: Date.now() + HOUR });
      assert.equal(run.version, 1);
      assert.deepEqual((await store.runs.get('r-owner', 'alice'))?.data, { a: 1 });
      assert.equal(await store.runs.get('r-owner', 'bob'), undefined);
      assert.equal(await store.runs.get('r-owner', ''), undefined);
      assert.equal(await store.runs.get('no-such-run', 'alice'), undefined);
      await store.runs.create({ id: 'r-expired', owner: 'alice', tool: 't', status: 'input_required', data: {}, expiresAt: Date.now() - 1 });
      assert.equal(await store.runs.get('r-expired', 'alice'), undefined);
    });

    test('creating a run with an id that exists is refused', async () => {
      await store.runs.create({ id: 'r-dup', owner: 'alice', tool: 't', status: 'working', data: {}, expiresAt: Date.now() + HOUR });
      await assert.rejects(store.runs.create({ id: 'r-dup', owner: 'bob', tool: 't', status: 'working', data: {}, expiresAt: Date.now() + HOUR }));
      assert.equal((await store.runs.get('r-dup', 'alice'))?.owner, 'alice');
    });

    test('update is compare-and-set on the version: of two racing updates exactly one wins', async () => {
      const run = await store.runs.create({ id: 'r-cas', owner: 'alice', tool: 't', status: 'input_required', data: {}, expiresAt: Date.now() + HOUR });
      const other = twin ?? store;
      const results = await Promise.all([
        store.runs.update(run.id, run.version, { status: 'working', leaseOwner: 'p1', leaseUntil: Date.now() + 1000 }),
        other.runs.update(run.id, run.version, { status: 'working', leaseOwner: 'p2', leaseUntil: Date.now() + 1000 }),
      ]);
      assert.equal(results.filter((r) => r !== undefined).length, 1);
      const winner = results.find((r) => r !== undefined)!;
      assert.equal(winner.version, 2);
      const stored = await store.runs.get(run.id, 'alice');
      assert.equal(stored?.leaseOwner, winner.leaseOwner);
      assert.equal(stored?.status, 'working');
      const next = await store.runs.update(run.id, 2, { status: 'completed', data: { result: { ok: true } }, leaseOwner: null, leaseUntil: null });
      assert.deepEqual(next?.data, { result: { ok: true } });
      assert.equal(next?.leaseOwner, null);
      assert.equal(await store.runs.update(run.id, 2, { status: 'failed' }), undefined, 'a stale version changes nothing');
    });

    test('a call becomes a task by update (kind and all), claimable once its lease is given back', async () => {
      const call = await store.runs.create({ id: 'r-kind', owner: 'alice', tool: 't', status: 'input_required', data: { q: 1 }, expiresAt: Date.now() + 60_000 });
      const held = await store.runs.update(call.id, call.version, { kind: 'task', status: 'working', data: { args: {} }, expiresAt: Date.now() + HOUR, leaseOwner: 'p1', leaseUntil: Date.now() + HOUR });
      assert.equal(held?.kind, 'task');
      assert.deepEqual((await (twin ?? store).runs.list('alice', 'task', 10)).map((r) => r.id).filter((id) => id === 'r-kind'), ['r-kind']);
      assert.equal(await store.runs.claim('p2', Date.now() + 1000, Date.now(), ['t']).then((r) => r?.id === 'r-kind'), false, 'held: nobody else claims it');
      await store.runs.updateLeased(call.id, 'p1', { leaseOwner: null, leaseUntil: null });
      const claimed = await store.runs.claim('p2', Date.now() + 1000, Date.now(), ['t']);
      assert.equal(claimed?.id, 'r-kind', 'the only task in the store');
      await store.runs.update(call.id, claimed.version, { status: 'completed', leaseOwner: null, leaseUntil: null });
    });

    test('tasks are claimed by one process each, oldest first; an expired lease can be claimed again', async () => {
      const now = Date.now();
      await store.runs.create({ id: 't-call', owner: 'o', tool: 't', status: 'working', data: {}, expiresAt: now + HOUR });
      for (let i = 0; i < 6; i += 1) {
        await store.runs.create({ id: `t-${i}`, owner: 'o', tool: 't', kind: 'task', status: 'working', data: { i }, expiresAt: now + HOUR });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await store.runs.create({ id: 't-paused', owner: 'o', tool: 't', kind: 'task', status: 'input_required', data: {}, expiresAt: now + HOUR });
      const other = twin ?? store;
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : other).runs.claim(`w${i}`, Date.now() + 60_000, Date.now(), ['t'])));
      const claimed = claims.filter((c) => c !== undefined).map((c) => c!.id);
      assert.deepEqual([...claimed].sort(), ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'], 'each working task once; never a call or a paused task');
      const first = claims.find((c) => c?.id === 't-0')!;
      assert.equal(first.kind, 'task');
      assert.ok(first.leaseOwner?.startsWith('w'));

      // The lease holder renews and reports progress without changing the version; a stranger cannot.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const leaseOnly = await store.runs.updateLeased('t-0', first.leaseOwner!, { leaseUntil: Date.now() + 90_000 });
      assert.equal(leaseOnly?.updatedAt, first.updatedAt, 'a lease renewal alone is no update a reader sees (lastUpdatedAt)');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const renewed = await store.runs.updateLeased('t-0', first.leaseOwner!, { leaseUntil: Date.now() + 120_000, progress: 'step 2' });
      assert.equal(renewed?.progress, 'step 2');
      assert.equal(renewed?.version, first.version, 'a renewal is not a change');
      assert.ok(renewed!.updatedAt > first.updatedAt, 'progress is: the status message changed');
      assert.equal(await store.runs.updateLeased('t-0', 'stranger', { status: 'completed' }), undefined);
      // Cancelled while it ran: the worker's report no longer changes it.
      const t5 = claims.find((c) => c?.id === 't-5')!;
      await store.runs.update('t-5', t5.version, { status: 'cancelled' });
      assert.equal(await store.runs.updateLeased('t-5', t5.leaseOwner!, { status: 'completed' }), undefined);
      assert.equal((await store.runs.get('t-5', 'o'))?.status, 'cancelled');
      const finished = await store.runs.updateLeased('t-0', first.leaseOwner!, { status: 'completed', leaseOwner: null, leaseUntil: null });
      assert.equal(finished?.status, 'completed');
      assert.equal(finished?.version, first.version + 1);

      // A lease that ran out: the task is claimable again (its worker died).
      const t1 = claims.find((c) => c?.id === 't-1')!;
      assert.equal(await store.runs.claim('late', Date.now() + 60_000, Date.now(), ['t']), undefined, 'nothing free while leases hold');
      await store.runs.updateLeased('t-1', t1.leaseOwner!, { leaseUntil: Date.now() - 1 });
      const reclaimed = await other.runs.claim('rescuer', Date.now() + 60_000, Date.now(), ['t']);
      assert.equal(reclaimed?.id, 't-1');
      assert.equal(reclaimed?.leaseOwner, 'rescuer');
      assert.equal(await store.runs.updateLeased('t-1', t1.leaseOwner!, { status: 'completed' }), undefined, 'the dead worker lost its lease');
    });

    test("tasks are claimed fairly across their callers: the oldest of the caller with the fewest running, so one caller's queue does not hold everyone else's back", async () => {
      const now = Date.now();
      for (let i = 0; i < 4; i += 1) {
        await store.runs.create({ id: `fair-m${i}`, owner: 'fair-mallory', tool: 'fair', kind: 'task', status: 'working', data: {}, expiresAt: now + HOUR });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await store.runs.create({ id: 'fair-a0', owner: 'fair-alice', tool: 'fair', kind: 'task', status: 'working', data: {}, expiresAt: now + HOUR });
      await new Promise((resolve) => setTimeout(resolve, 2));
      await store.runs.create({ id: 'fair-b0', owner: 'fair-bob', tool: 'fair', kind: 'task', status: 'working', data: {}, expiresAt: now + HOUR });
      const other = twin ?? store;
      const order: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const claimed = await (i % 2 === 0 ? store : other).runs.claim(`fair-w${i}`, Date.now() + 60_000, Date.now(), ['fair']);
        order.push(claimed!.id);
      }
      // Mallory's oldest first (nobody runs anything), then alice's and bob's, then hers again.
      assert.deepEqual(order, ['fair-m0', 'fair-a0', 'fair-b0', 'fair-m1', 'fair-m2', 'fair-m3']);
      for (const id of order) {
        const run = await store.runs.get(id, id.startsWith('fair-m') ? 'fair-mallory' : id === 'fair-a0' ? 'fair-alice' : 'fair-bob');
        await store.runs.update(id, run!.version, { status: 'completed', leaseOwner: null, leaseUntil: null });
      }
    });

    test('a process claims only tasks of the tools it serves; another tool\'s wait for a process that serves it', async () => {
      const now = Date.now();
      await store.runs.create({ id: 'new-tool-task', owner: 'o', tool: 'added_later', kind: 'task', status: 'working', data: {}, expiresAt: now + HOUR });
      const other = twin ?? store;
      assert.equal(await other.runs.claim('old-process', now + 60_000, now, ['t', 'u']), undefined, 'not a tool it serves');
      const claimed = await store.runs.claim('new-process', now + 60_000, now, ['t', 'added_later']);
      assert.equal(claimed?.id, 'new-tool-task');
      await store.runs.update(claimed!.id, claimed!.version, { status: 'completed', leaseOwner: null, leaseUntil: null });
      assert.equal(await store.runs.claim('nobody', now + 60_000, now, []), undefined, 'serving no tool claims nothing');
    });

    test('an expired task is never claimed, even with no lease on it', async () => {
      await store.runs.create({ id: 'c-expired', owner: 'o', tool: 'expiring', kind: 'task', status: 'working', data: {}, expiresAt: Date.now() - 1 });
      await new Promise((resolve) => setTimeout(resolve, 2));
      await store.runs.create({ id: 'c-live', owner: 'o', tool: 'expiring', kind: 'task', status: 'working', data: {}, expiresAt: Date.now() + HOUR });
      const claimed = await store.runs.claim('w', Date.now() + 60_000, Date.now(), ['expiring']);
      assert.equal(claimed?.id, 'c-live', 'the live task, though the expired one is older');
      assert.equal(await (twin ?? store).runs.claim('w2', Date.now() + 60_000, Date.now(), ['expiring']), undefined, 'the expired one is left');
      await store.runs.update(claimed!.id, claimed!.version, { status: 'completed', leaseOwner: null, leaseUntil: null });
    });

    test("countLive counts the owner's unexpired runs of every kind and status, no further than asked", async () => {
      const live = { tool: 't', data: {}, expiresAt: Date.now() + HOUR };
      await store.runs.create({ id: 'n-paused', owner: 'counted', status: 'input_required', ...live });
      await store.runs.create({ id: 'n-task', owner: 'counted', kind: 'task', status: 'completed', ...live });
      await store.runs.create({ id: 'n-handle', owner: 'counted', kind: 'task', status: 'working', ...live });
      await store.runs.create({ id: 'n-expired', owner: 'counted', status: 'input_required', tool: 't', data: {}, expiresAt: Date.now() - 1 });
      await store.runs.create({ id: 'n-other', owner: 'someone else', status: 'input_required', ...live });
      const reader = twin ?? store;
      assert.equal(await reader.runs.countLive('counted', 100), 3);
      assert.equal(await reader.runs.countLive('counted', 2), 2, 'counted up to what was asked');
      assert.equal(await reader.runs.countLive('nobody', 100), 0);
    });

    test("createWithin stores a run only while its owner has fewer unexpired runs than the limit, counted with the insert: creates at one moment, from two processes, do not pass it together", async () => {
      const live = { tool: 't', data: {}, status: 'input_required', expiresAt: Date.now() + HOUR } as const;
      await store.runs.create({ id: 'w-expired', owner: 'within', ...live, expiresAt: Date.now() - 1 });
      await store.runs.create({ id: 'w-other', owner: 'within elsewhere', ...live });
      const stores = [store, twin ?? store];
      // Every pooled connection open first, so that the creates below run at once rather than as connections open.
      await Promise.all(Array.from({ length: 24 }, (_, i) => stores[i % 2]!.runs.countLive('within', 1)));
      const made = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.runs.createWithin({ id: `w-${i}`, owner: 'within', ...live }, 5)));
      const stored = made.filter((run) => run !== undefined);
      assert.equal(stored.length, 5);
      assert.equal(await store.runs.countLive('within', 100), 5);
      assert.equal(stored[0]!.owner, 'within');
      assert.equal(stored[0]!.version, 1);
      // Another owner's count is its own.
      assert.ok(await store.runs.createWithin({ id: 'w-else', owner: 'within elsewhere', ...live }, 5));
      // Full: nothing stored. Once one of them expires, there is room for one more.
      assert.equal(await store.runs.createWithin({ id: 'w-full', owner: 'within', ...live }, 5), undefined);
      assert.equal(await store.runs.get('w-full', 'within'), undefined);
      await store.runs.update(stored[0]!.id, stored[0]!.version, { expiresAt: Date.now() - 1 });
      assert.ok(await (twin ?? store).runs.createWithin({ id: 'w-after', owner: 'within', ...live }, 5));
      assert.equal(await store.runs.countLive('within', 100), 5);
    });

    test('list leaves out expired runs', async () => {
      await store.runs.create({ id: 'le-expired', owner: 'expiry-lister', tool: 't', kind: 'task', status: 'completed', data: {}, expiresAt: Date.now() - 1 });
      await store.runs.create({ id: 'le-live', owner: 'expiry-lister', tool: 't', kind: 'task', status: 'completed', data: {}, expiresAt: Date.now() + HOUR });
      assert.deepEqual((await store.runs.list('expiry-lister', 'task', 10)).map((r) => r.id), ['le-live']);
    });

    test("list returns the owner's runs of one kind, newest first, page by page", async () => {
      for (let i = 0; i < 5; i += 1) {
        await store.runs.create({ id: `l-${i}`, owner: 'lister', tool: 't', kind: 'task', status: 'working', data: {}, expiresAt: Date.now() + HOUR });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await store.runs.create({ id: 'l-call', owner: 'lister', tool: 't', status: 'working', data: {}, expiresAt: Date.now() + HOUR });
      await store.runs.create({ id: 'l-other', owner: 'someone', tool: 't', kind: 'task', status: 'working', data: {}, expiresAt: Date.now() + HOUR });
      const page1 = await store.runs.list('lister', 'task', 2);
      assert.deepEqual(page1.map((r) => r.id), ['l-4', 'l-3']);
      const place = (run: { createdAt: number; id: string }) => ({ createdAt: run.createdAt, id: run.id });
      const page2 = await store.runs.list('lister', 'task', 2, place(page1[1]!));
      assert.deepEqual(page2.map((r) => r.id), ['l-2', 'l-1']);
      // The place holds after the run that marked it is gone.
      await store.runs.update('l-1', page2[1]!.version, { expiresAt: Date.now() - 1 });
      const page3 = await store.runs.list('lister', 'task', 2, place(page2[1]!));
      assert.deepEqual(page3.map((r) => r.id), ['l-0']);
      const others = await store.runs.list('someone', 'task', 10, { createdAt: Date.now() + HOUR, id: 'z' });
      assert.deepEqual(others.map((r) => r.owner), ['someone'], "a place in this owner's list shows another owner only their own runs");
    });

    test("a listing reads what a task's entry shows and a stored result's summary only (whether it is an error, and an error's first block), not the bulk of its arguments or result", async () => {
      const big = 'x'.repeat(1_000_000);
      const failed = { isError: true, content: [{ type: 'text', text: 'it broke' }, { type: 'text', text: big }] };
      const done = { content: [{ type: 'text', text: big }], structuredContent: { big } };
      const expiresAt = Date.now() + HOUR;
      await store.runs.create({ id: 'sum-failed', owner: 'summer', tool: 't', kind: 'task', status: 'completed', data: { ttlMs: 5, result: failed }, expiresAt });
      await store.runs.create({ id: 'sum-done', owner: 'summer', tool: 't', kind: 'task', status: 'completed', data: { ttlMs: 6, result: done }, expiresAt });
      await store.runs.create({ id: 'sum-asking', owner: 'summer', tool: 't', kind: 'task', status: 'input_required', data: { ttlMs: 7, questions: [{ key: 'q', text: 'why?' }] }, expiresAt });
      // Every store alike: only a boolean true is an error; an error without content has none listed;
      // a NUL in a caller's arguments (JSON holds it, PostgreSQL's jsonb does not) lists as well.
      await store.runs.create({ id: 'sum-empty', owner: 'summer', tool: 't', kind: 'task', status: 'completed', data: { result: { isError: true, content: [] } }, expiresAt });
      await store.runs.create({ id: 'sum-one', owner: 'summer', tool: 't', kind: 'task', status: 'completed', data: { result: { isError: 1, content: [] } }, expiresAt });
      await store.runs.create({ id: 'sum-text', owner: 'summer', tool: 't', kind: 'task', status: 'completed', data: { result: { isError: 'true', content: [] } }, expiresAt });
      await store.runs.create({ id: 'sum-nul', owner: 'summer', tool: 't', kind: 'task', status: 'working', data: { args: { q: 'a\u0000b' } }, expiresAt });
      const asking = { ttlMs: 8, args: { big }, principal: { id: 'summer' }, resume: { i: big }, questions: [{ key: 'q2', text: 'who?' }], answerProblems: ['"q": no'], error: { message: 'm' } };
      await store.runs.create({ id: 'sum-shown', owner: 'summer', tool: 't', kind: 'task', status: 'input_required', data: asking, expiresAt });
      // A lone surrogate in a caller's arguments (JSON writes it escaped; PostgreSQL's json operators refuse it), and a question quoting an escape as text.
      await store.runs.create({ id: 'sum-surrogate', owner: 'summer', tool: 't', kind: 'task', status: 'working', data: { ttlMs: 9, args: { q: 'x\ud800y', r: '\udc00' } }, expiresAt });
      await store.runs.create({ id: 'sum-quoted', owner: 'summer', tool: 't', kind: 'task', status: 'input_required', data: { args: { q: '\u0000' }, questions: [{ key: 'q3', text: 'type \\u0000 or \\\\u0000' }] }, expiresAt });
      await store.runs.create({ id: 'sum-null', owner: 'summer', tool: 't', kind: 'task', status: 'completed', data: { result: null }, expiresAt });
      const listed = Object.fromEntries((await store.runs.list('summer', 'task', 20)).map((run) => [run.id, run.data]));
      assert.deepEqual(listed['sum-failed'], { ttlMs: 5, result: { isError: true, content: [{ type: 'text', text: 'it broke' }] } });
      assert.deepEqual(listed['sum-done'], { ttlMs: 6, result: { isError: false } });
      assert.deepEqual(listed['sum-asking'], { ttlMs: 7, questions: [{ key: 'q', text: 'why?' }] });
      assert.deepEqual(listed['sum-empty'], { result: { isError: true, content: [] } });
      assert.deepEqual(listed['sum-one'], { result: { isError: false } });
      assert.deepEqual(listed['sum-text'], { result: { isError: false } });
      assert.deepEqual(listed['sum-nul'], {}, 'the arguments are not listed');
      assert.deepEqual(listed['sum-null'], {}, 'a result that is no object has no summary');
      assert.deepEqual(listed['sum-surrogate'], { ttlMs: 9 });
      assert.deepEqual(listed['sum-quoted'], { questions: [{ key: 'q3', text: 'type \\u0000 or \\\\u0000' }] }, 'an escape quoted as text is listed as it was written');
      assert.deepEqual(listed['sum-shown'], { ttlMs: 8, questions: [{ key: 'q2', text: 'who?' }], answerProblems: ['"q": no'], error: { message: 'm' } });
      // The run itself keeps all of it.
      assert.deepEqual((await store.runs.get('sum-done', 'summer'))?.data, { ttlMs: 6, result: done });
    });

    test('expired runs are deleted once each, however many processes clean up at once', async () => {
      const past = Date.now() - 1;
      for (let i = 0; i < 30; i += 1) {
        await store.runs.create({ id: `r-exp-${i}`, owner: 'o', tool: 't', status: 'input_required', data: {}, expiresAt: past });
      }
      await store.runs.create({ id: 'r-alive', owner: 'o', tool: 't', status: 'input_required', data: {}, expiresAt: Date.now() + HOUR });
      const other = twin ?? store;
      const batches = await Promise.all([store.runs.deleteExpired(Date.now(), 7), other.runs.deleteExpired(Date.now(), 7), store.runs.deleteExpired(Date.now(), 7)]);
      const deleted = batches.flat();
      assert.equal(new Set(deleted).size, deleted.length, 'no run is returned twice');
      let rest = await store.runs.deleteExpired(Date.now(), 1000);
      while (rest.length > 0) {
        deleted.push(...rest);
        rest = await store.runs.deleteExpired(Date.now(), 1000);
      }
      assert.ok(deleted.filter((id) => id.startsWith('r-exp-')).length === 30, 'every expired run is deleted');
      assert.ok(!deleted.includes('r-alive'));
      assert.ok(await store.runs.get('r-alive', 'o'));
    });

    test('expired ids are listed without deleting them, and deleted only among the ids given (the clean-up deletes checkpoints in between)', async () => {
      const now = Date.now();
      for (const id of ['r-x1', 'r-x2', 'r-x3']) await store.runs.create({ id, owner: 'o', tool: 't', status: 'input_required', data: {}, expiresAt: now - 1 });
      await store.runs.create({ id: 'r-x-held', owner: 'o', tool: 't', status: 'working', data: {}, expiresAt: now - 1, leaseOwner: 'p1', leaseUntil: now + HOUR });
      const listed = await store.runs.expiredIds(now, 1000);
      for (const id of ['r-x1', 'r-x2', 'r-x3']) assert.ok(listed.includes(id), id);
      assert.ok(!listed.includes('r-x-held'));
      assert.deepEqual((await store.runs.expiredIds(now, 1000)).filter((id) => id.startsWith('r-x')).sort(), ['r-x1', 'r-x2', 'r-x3'], 'listing deletes nothing');
      const other = twin ?? store;
      const [first, second] = await Promise.all([store.runs.deleteExpired(now, 10, ['r-x1', 'r-x-held']), other.runs.deleteExpired(now, 10, ['r-x1', 'r-x-held'])]);
      assert.deepEqual([...first!, ...second!], ['r-x1'], 'one caller deletes it; a held one is not deleted');
      const left = (await store.runs.expiredIds(now, 1000)).filter((id) => id.startsWith('r-x')).sort();
      assert.deepEqual(left, ['r-x2', 'r-x3']);
      await store.runs.deleteExpired(now + 2 * HOUR, 1000);
    });

    test('an expired run a process holds (a paused run being resumed) is left until its lease lapses', async () => {
      const now = Date.now();
      await store.runs.create({ id: 'r-held', owner: 'o', tool: 't', status: 'working', data: {}, expiresAt: now - 1, leaseOwner: 'p1', leaseUntil: now + HOUR });
      await store.runs.create({ id: 'r-lapsed', owner: 'o', tool: 't', status: 'working', data: {}, expiresAt: now - 1, leaseOwner: 'p1', leaseUntil: now - 1 });
      const deleted = await store.runs.deleteExpired(now, 1000);
      assert.ok(!deleted.includes('r-held'), 'held: not deleted under its holder');
      assert.ok(deleted.includes('r-lapsed'), 'a lapsed claim holds nothing');
      assert.ok((await store.runs.deleteExpired(now + 2 * HOUR, 1000)).includes('r-held'), 'once the lease has lapsed, it goes');
    });

    test('a shared key is 32 bytes, stable, and the same for every process on the store', async () => {
      const key = await store.sharedKey('k1');
      assert.equal(key.length, 32);
      assert.deepEqual(await store.sharedKey('k1'), key);
      assert.notDeepEqual(await store.sharedKey('k2'), key);
      if (twin) assert.deepEqual(await twin.sharedKey('k1'), key);
    });

    test('signals reach subscribers of their channel (in another process too), and stop after unsubscribe', async () => {
      const receiver = twin ?? store;
      const got: unknown[] = [];
      const other: unknown[] = [];
      const unsubscribe = await receiver.signals.subscribe('ch-1', (payload) => got.push(payload));
      const unsubscribeOther = await receiver.signals.subscribe('ch-other', (payload) => other.push(payload));
      // Subscriptions take effect before publish returns to the caller's next step.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.signals.publish('ch-1', { n: 1 });
      await store.signals.publish('ch-1', { n: 2, text: 'two' });
      await until('both signals on ch-1', async () => (got.length >= 2 ? true : undefined), 10_000);
      assert.deepEqual(got, [{ n: 1 }, { n: 2, text: 'two' }]);
      assert.deepEqual(other, [], 'a subscriber hears only its own channel');

      unsubscribe();
      await store.signals.publish('ch-1', { n: 3 });
      // Published after it, so delivered after it: once this one is in, the one before has had its turn.
      await store.signals.publish('ch-other', { n: 'other' });
      await until('the signal on ch-other', async () => (other.length >= 1 ? true : undefined), 10_000);
      assert.deepEqual(other, [{ n: 'other' }]);
      assert.deepEqual(got, [{ n: 1 }, { n: 2, text: 'two' }], 'nothing reaches a listener after it unsubscribed');
      unsubscribeOther();
    });

    test('the checkpointer keeps and deletes threads', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const checkpoint = emptyCheckpoint();
      const config = { configurable: { thread_id: 'thread-contract', checkpoint_ns: '' } };
      await store.checkpointer.put(config, checkpoint, { source: 'input', step: -1, parents: {} }, {});
      assert.equal((await store.checkpointer.getTuple(config))?.checkpoint.id, checkpoint.id);
      await store.checkpointer.deleteThread('thread-contract');
      assert.equal(await store.checkpointer.getTuple(config), undefined);
    });

    test('writeCheckpoints stores every write made through it, readable by the store\'s checkpointer (and another process)', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      assert.ok(store.writeCheckpoints, 'every store in this package batches checkpoint writes');
      const config = { configurable: { thread_id: 'thread-batch', checkpoint_ns: '' } };
      const first = emptyCheckpoint();
      const second = { ...emptyCheckpoint(), channel_values: { topic: 'batched' }, channel_versions: { topic: 1 } };
      await store.writeCheckpoints(async (checkpointer) => {
        await checkpointer.put(config, first, { source: 'input', step: -1, parents: {} }, {});
        const next = { configurable: { ...config.configurable, checkpoint_id: first.id } };
        await checkpointer.put(next, second, { source: 'loop', step: 0, parents: {} }, { topic: 1 });
        await checkpointer.putWrites({ configurable: { ...config.configurable, checkpoint_id: second.id } }, [['topic', 'written']], 'task-1');
      });
      for (const reader of [store, twin ?? store]) {
        const latest = await reader.checkpointer.getTuple(config);
        assert.equal(latest?.checkpoint.id, second.id);
        assert.deepEqual(latest?.checkpoint.channel_values, { topic: 'batched' });
        assert.deepEqual(latest?.pendingWrites?.map(([task, channel, value]) => [task, channel, value]), [['task-1', 'topic', 'written']]);
        assert.equal(latest?.parentConfig?.configurable?.checkpoint_id, first.id);
      }
      await store.checkpointer.deleteThread('thread-batch');
    });

    test('bytes in a state (a Buffer, a Uint8Array) come back as themselves, in a checkpoint and a write, and the live state is left alone', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const config = { configurable: { thread_id: 'thread-bytes', checkpoint_ns: '' } };
      // An image as a node returns it, in a content block (LangGraph's own form, a number per byte, took seconds for 3 MB).
      const image = Buffer.alloc(300_000, 0x89);
      const raw = new Uint8Array([0, 1, 2, 255]);
      const blocks = [{ type: 'image', data: image, mimeType: 'image/png' }, { type: 'text', text: 'chart' }];
      const checkpoint = { ...emptyCheckpoint(), channel_values: { content_blocks: blocks, raw, nested: { list: [raw] } }, channel_versions: { content_blocks: 1, raw: 1, nested: 1 } };
      await store.checkpointer.put(config, checkpoint, { source: 'loop', step: 0, parents: {} }, { content_blocks: 1, raw: 1, nested: 1 });
      await store.checkpointer.putWrites({ configurable: { ...config.configurable, checkpoint_id: checkpoint.id } }, [['content_blocks', blocks]], 'task-1');
      assert.equal(blocks[0]!.data, image, 'the state the run holds is not rewritten');
      for (const reader of [store, twin ?? store]) {
        const back = await reader.checkpointer.getTuple(config);
        const values = back?.checkpoint.channel_values as { content_blocks: Array<{ data?: unknown }>; raw: unknown; nested: { list: unknown[] } };
        assert.ok(Buffer.isBuffer(values.content_blocks[0]!.data), 'a Buffer comes back a Buffer');
        assert.ok(image.equals(values.content_blocks[0]!.data as Buffer));
        assert.deepEqual(values.content_blocks[1], { type: 'text', text: 'chart' });
        // A channel that is bytes as a whole too (LangGraph would store it as bytea, which PostgreSQL gives back as a Buffer).
        assert.ok(values.raw instanceof Uint8Array && !Buffer.isBuffer(values.raw), 'a channel of bytes comes back a Uint8Array');
        assert.deepEqual([...values.raw], [0, 1, 2, 255]);
        const nested = values.nested.list[0];
        assert.ok(nested instanceof Uint8Array && !Buffer.isBuffer(nested), 'a Uint8Array inside comes back a Uint8Array');
        assert.deepEqual([...nested], [0, 1, 2, 255]);
        const written = back?.pendingWrites?.[0]?.[2] as Array<{ data?: unknown }>;
        assert.ok(Buffer.isBuffer(written[0]!.data) && image.equals(written[0]!.data as Buffer), 'in a write too');
      }
      await store.checkpointer.deleteThread('thread-bytes');
    });

    test("records LangGraph's reader would take for its own (an lc key, a __proto__ key, the bytes record's shape) come back as they were", async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const config = { configurable: { thread_id: 'thread-lookalikes', checkpoint_ns: '' } };
      // As a caller's arguments arrive: JSON.parse makes "__proto__" an own key.
      const text = JSON.stringify({
        undefinedRecord: { lc: 2, type: 'undefined' },
        set: { lc: 2, type: 'constructor', id: ['Set'], method: null, args: [[1, 2]] },
        message: { lc: 1, type: 'constructor', id: ['langchain_core', 'messages', 'HumanMessage'], kwargs: { content: 'hi' } },
        secret: { lc: 1, type: 'secret', id: ['HOME'] },
        bytesShape: { lc: 2, type: 'graph-mcp:bytes', buffer: true, base64: 'aGk=' },
        entriesShape: { lc: 2, type: 'graph-mcp:entries', entries: [['a', 1]] },
        sendShape: { lg_name: 'Send', node: 'n', args: { lc: 2, type: 'undefined' }, extra: 'kept' },
        list: [{ lc: 'x', inner: { lc: 2, type: 'undefined' } }],
      }).replace('{"undefinedRecord"', '{"__proto__":{"polluted":true},"undefinedRecord"');
      const value = JSON.parse(text) as Record<string, unknown>;
      const image = Buffer.from([1, 2, 3]);
      const withBytes = { lc: 'kept', image };
      const checkpoint = { ...emptyCheckpoint(), channel_values: { value, withBytes }, channel_versions: { value: 1, withBytes: 1 } };
      await store.checkpointer.put(config, checkpoint, { source: 'loop', step: 0, parents: {} }, { value: 1, withBytes: 1 });
      await store.checkpointer.putWrites({ configurable: { ...config.configurable, checkpoint_id: checkpoint.id } }, [['value', value]], 'task-1');
      for (const reader of [store, twin ?? store]) {
        const back = await reader.checkpointer.getTuple(config);
        const values = back?.checkpoint.channel_values as { value: Record<string, unknown>; withBytes: { lc: string; image: unknown } };
        assert.equal(JSON.stringify(values.value), text, 'the same keys and values, in order');
        assert.equal(Object.getPrototypeOf(values.value), Object.prototype, '__proto__ stays a key, not the prototype');
        assert.ok(Object.hasOwn(values.value, '__proto__'));
        assert.equal((values.value as { polluted?: unknown }).polluted, undefined);
        assert.equal(values.withBytes.lc, 'kept');
        assert.ok(Buffer.isBuffer(values.withBytes.image) && image.equals(values.withBytes.image), 'bytes inside such a record are bytes still');
        assert.equal(JSON.stringify(back?.pendingWrites?.[0]?.[2]), text, 'in a write too');
      }
      // A Send's arguments (a node's input, as free as a caller's), as LangGraph writes a Send.
      const { Send } = await import('@langchain/langgraph');
      const sendConfig = { configurable: { thread_id: 'thread-lookalikes-send', checkpoint_ns: '' } };
      // (No __proto__ key here: LangGraph's Send, as it is made, already turns one into the prototype.)
      const send = new Send('worker', { item: { odd: { lc: 2, type: 'undefined', kept: true }, set: { lc: 2, type: 'constructor', id: ['Set'], method: null, args: [[1, 2]] } } });
      const given = JSON.stringify(send.args);
      assert.match(given, /"odd":\{"lc":2,"type":"undefined","kept":true\}/);
      const sent = { ...emptyCheckpoint(), channel_values: { branches: [send] }, channel_versions: { branches: 1 } };
      await store.checkpointer.put(sendConfig, sent, { source: 'loop', step: 0, parents: {} }, { branches: 1 });
      const [branch] = (await (twin ?? store).checkpointer.getTuple(sendConfig))?.checkpoint.channel_values.branches as Array<{ node: string; args: unknown }>;
      assert.equal(branch?.node, 'worker');
      assert.equal(JSON.stringify(branch?.args), given, "a Send's arguments come back as the node was given them");
      await store.checkpointer.deleteThread('thread-lookalikes-send');
      await store.checkpointer.deleteThread('thread-lookalikes');
    });

    test('a state nested deeper than the stack goes is refused as STATE_NOT_STORABLE, not failed as the store (which a task retries for ever)', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const config = { configurable: { thread_id: 'thread-deep', checkpoint_ns: '' } };
      let deep: unknown = 'bottom';
      for (let i = 0; i < 100_000; i += 1) deep = { next: deep };
      const unstorable = { ...emptyCheckpoint(), channel_values: { deep }, channel_versions: { deep: 1 } };
      await assert.rejects(store.checkpointer.put(config, unstorable, { source: 'loop', step: 0, parents: {} }, { deep: 1 }), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'STATE_NOT_STORABLE', String(error));
        assert.match((error as Error).message, /nests too deeply/);
        return true;
      });
      await store.checkpointer.deleteThread('thread-deep');
    });

    test('a checkpoint write lets the event loop run (a task of synchronous nodes renews its lease and HTTP is served between steps)', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const config = { configurable: { thread_id: 'thread-yield', checkpoint_ns: '' } };
      let ran = false;
      setImmediate(() => (ran = true));
      const checkpoint = emptyCheckpoint();
      await store.checkpointer.put(config, checkpoint, { source: 'input', step: -1, parents: {} }, {});
      assert.equal(ran, true, 'after put');
      ran = false;
      setImmediate(() => (ran = true));
      await store.checkpointer.putWrites({ configurable: { ...config.configurable, checkpoint_id: checkpoint.id } }, [['topic', 'x']], 'task-1');
      assert.equal(ran, true, 'after putWrites');
      await store.checkpointer.deleteThread('thread-yield');
    });

    test('a checkpoint or write JSON cannot hold (a BigInt) is refused as STATE_NOT_STORABLE, in a batch too', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const config = { configurable: { thread_id: 'thread-bigint', checkpoint_ns: '' } };
      const unstorable = { ...emptyCheckpoint(), channel_values: { count: 1n }, channel_versions: { count: 1 } };
      const refusal = (error: unknown) => (error as { code?: string }).code === 'STATE_NOT_STORABLE' && /BigInt/.test((error as Error).message);
      await assert.rejects(store.checkpointer.put(config, unstorable, { source: 'loop', step: 0, parents: {} }, { count: 1 }), refusal);
      await assert.rejects(store.checkpointer.putWrites({ configurable: { ...config.configurable, checkpoint_id: 'x' } }, [['count', 2n]], 'task-1'), refusal);
      // (What a refused batch wrote before the refusal may stay: the run it belongs to is expired, and cleaned up with it.)
      await assert.rejects(
        store.writeCheckpoints!(async (checkpointer) => {
          await checkpointer.put(config, emptyCheckpoint(), { source: 'input', step: -1, parents: {} }, {});
          await checkpointer.put(config, unstorable, { source: 'loop', step: 0, parents: {} }, { count: 1 });
        }),
        refusal,
      );
      await store.checkpointer.deleteThread('thread-bigint');
    });
  });
}
