// What a caller is shown of a graph's failure: no credentials, no URL password, no stack, not megabytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureText, MAX_FAILURE_MESSAGE, SecretIndex } from '../../src/run/scrub.js';

test("a URL's password is hidden, whatever it holds; URLs without one, and e-mail addresses, are left alone", () => {
  const cases: Array<[string, string]> = [
    ['connect postgres://admin:hunter2@db.internal:5432/prod failed', 'connect postgres://admin:[redacted]@db.internal:5432/prod failed'],
    ['postgres://admin:p@ss@db/x', 'postgres://admin:[redacted]@db/x'],
    ['postgres://admin:pa/ss@db', 'postgres://admin:[redacted]@db'],
    ['redis://:secret@cache:6379/0', 'redis://:[redacted]@cache:6379/0'],
    ['AMQP://u:pw@h', 'AMQP://u:[redacted]@h'],
    ['see http://example.com:8080/x and mail ada@example.com', 'see http://example.com:8080/x and mail ada@example.com'],
  ];
  for (const [message, shown] of cases) assert.equal(failureText(message, []), shown, message);
  assert.equal(failureText('token abc123secret in postgres://u:abc123secret@h', ['abc123secret']), 'token [redacted] in postgres://u:[redacted]@h');
});

test('stack frames go, in either line ending; lines that only begin with "at" stay', () => {
  const message = 'Error: boom\n    at run (/srv/app/node.js:12:5)\r\n    at /srv/app/other.js:3:4\n    at new Promise (<anonymous>)\n    at 10:30 we meet\nthe end';
  assert.equal(failureText(message, []), 'Error: boom\n    at 10:30 we meet\nthe end');
});

test('a long message is cut at the limit, with how much was cut; the cut cannot hide a password it splits', () => {
  const long = failureText(`${'m'.repeat(MAX_FAILURE_MESSAGE + 100)}`, []);
  assert.equal(long, `${'m'.repeat(MAX_FAILURE_MESSAGE)}… (100 more characters cut)`);
  const split = failureText(`${'m'.repeat(MAX_FAILURE_MESSAGE - 20)} postgres://admin:hunter2@db`, []);
  assert.doesNotMatch(split, /hunter/);
});

test('secrets are found however many there are: every one of thousands, the longest where two start alike, as JSON writes them, and none once forgotten', () => {
  const secrets = Array.from({ length: 5_000 }, (_, i) => `tok-${i.toString(36)}-${'x'.repeat(i % 7)}-end`);
  const index = new SecretIndex(secrets);
  for (const secret of [secrets[0]!, secrets[1_234]!, secrets[4_999]!]) assert.equal(index.scrub(`before ${secret} after`), 'before [redacted] after');
  assert.equal(new SecretIndex(['abcd', 'abcdef']).scrub('xabcdefx abcdx'), 'x[redacted]x [redacted]x');
  assert.equal(new SecretIndex(['ab"cd\\ef']).scrub('{"k":"ab\\"cd\\\\ef"}'), '{"k":"[redacted]"}');
  assert.equal(new SecretIndex(['abc']).scrub('abc'), 'abc', 'too short to scrub');
  index.delete(secrets[1_234]!);
  assert.equal(index.scrub(secrets[1_234]!), secrets[1_234]);
  assert.equal(index.scrub(secrets[1_235]!), '[redacted]');
  // The same for a few, searched for one by one.
  const few = new SecretIndex(['abcd', 'abcdef', 'ab"cd\\ef']);
  assert.equal(few.scrub('xabcdefx abcdx {"k":"ab\\"cd\\\\ef"}'), 'x[redacted]x [redacted]x {"k":"[redacted]"}');
});

test('a secret that begins inside another is scrubbed whole, whichever comes first and however many there are; forms two secrets share stay until both are forgotten', () => {
  const text = 'token=pw-Xk9fQ2mZ7Lr8Tq1Wv5Ns3Hy6Pd0Jc4Gb end';
  const pair = ['pw-Xk9', 'Xk9fQ2mZ7Lr8Tq1Wv5Ns3Hy6Pd0Jc4Gb'];
  const others = Array.from({ length: 40 }, (_, i) => `other-secret-${i}`);
  for (const secrets of [pair, [...pair].reverse(), [...pair, ...others], [...others, ...pair].reverse()]) {
    assert.equal(new SecretIndex(secrets).scrub(text), 'token=[redacted] end', secrets.slice(0, 2).join(' '));
  }
  // Adjacent secrets are each replaced.
  assert.equal(new SecretIndex(['abcd', 'efgh']).scrub('abcdefgh'), '[redacted][redacted]');
  // JWTs share their first characters (and many of them their length): each found.
  const jwts = Array.from({ length: 2_000 }, (_, i) => `eyJhbGciOiJIUzI1NiJ9.${i.toString(36).padStart(6, '0')}.sig`);
  const index = new SecretIndex(jwts);
  assert.equal(index.scrub(`Bearer ${jwts[1_999]} and ${jwts[7]}`), 'Bearer [redacted] and [redacted]');
  // One's JSON-escaped form is another secret: forgetting the first keeps the second.
  const shared = new SecretIndex(['ab"cdef', 'ab\\"cdef']);
  shared.delete('ab"cdef');
  assert.equal(shared.scrub('tok ab\\"cdef end'), 'tok [redacted] end');
});
