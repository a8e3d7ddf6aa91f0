import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

test('defaults follow the documented table', () => {
  const c = loadConfig({});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(c.region, 'RegionOne');
  assert.equal(c.databaseUrl, undefined);
  assert.match(c.dataDir, /\.virtstack$/);
});

test('the public URL follows host and port unless given, without a trailing slash', () => {
  assert.equal(loadConfig({ VIRTSTACK_HOST: '10.0.0.5', VIRTSTACK_PORT: '9000' }).publicUrl, 'http://10.0.0.5:9000');
  assert.equal(loadConfig({ VIRTSTACK_PUBLIC_URL: 'https://cloud.example.org/' }).publicUrl, 'https://cloud.example.org');
});

for (const [name, value, message] of [
  ['VIRTSTACK_PORT', 'eighty', /whole number/],
  ['VIRTSTACK_PORT', '70000', /between 0 and 65535/],
  ['VIRTSTACK_PUBLIC_URL', 'ftp://x', /http\(s\) URL/],
  ['DATABASE_URL', 'mysql://x', /postgres/],
  ['VIRTSTACK_LOG_LEVEL', 'loud', /one of/],
  ['VIRTSTACK_TOKEN_EXPIRATION', '5', /between/],
] as const) {
  test(`a bad ${name} (${value}) is refused with a clear message`, () => {
    assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && message.test((err as Error).message));
  });
}

test('the README documents every configuration variable', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { CONFIG_VARIABLES } = await import('../../src/config.js');
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  for (const v of CONFIG_VARIABLES) assert.ok(readme.includes(`| \`${v.name}\` |`), `${v.name} is in the README's configuration table`);
});
