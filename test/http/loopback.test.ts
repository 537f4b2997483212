import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostNameOf, isLoopback } from '../../src/loopback.js';

test('loopback names and addresses, however they are written', () => {
  for (const host of ['localhost', 'LocalHost', '127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '[0:0:0:0:0:0:0:1]', '::ffff:127.0.0.1', '[::ffff:7f00:2]']) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ['127.evil.example', 'localhost.evil.example', '10.0.0.1', '0.0.0.0', '::', '::2', '::ffff:10.0.0.1', 'example.com', '']) {
    assert.equal(isLoopback(host), false, host);
  }
});

test('the Host header form of an address', () => {
  assert.equal(hostNameOf('127.0.0.2'), '127.0.0.2');
  assert.equal(hostNameOf('0:0:0:0:0:0:0:1'), '[::1]');
  assert.equal(hostNameOf('localhost'), 'localhost');
});
