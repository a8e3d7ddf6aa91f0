// The test command (npm test): starts one real PostgreSQL for the run (embedded, unless
// TEST_DATABASE_URL names a server), migrates a template database once, then runs every
// *.test.ts file with node's test runner. Each test file clones the template (test/support/database.ts).
//   npm test                      every test
//   npm test -- test/identity     only files under a path
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pino from 'pino';
import { createDatabase } from '../src/db/database.js';
import { startEmbeddedDatabase } from '../src/db/embedded-database.js';
import { migrateLatest } from '../src/db/migrate.js';
import { TEMPLATE_DB } from './support/database.js';

function findTests(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path).sort().flatMap((name) => (name === 'node_modules' || name === 'fixtures' ? [] : findTests(join(path, name))));
}

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const files = (args.length ? args : ['test']).flatMap((p) => findTests(p)).map((f) => relative(root, join(root, f)));
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found');
  process.exit(1);
}

const log = pino({ level: 'warn' });
let serverUrl = process.env.TEST_DATABASE_URL;
let stopEmbedded: (() => Promise<void>) | undefined;
let scratch: string | undefined;
if (!serverUrl) {
  scratch = mkdtempSync(join(tmpdir(), 'virtstack-test-pg-'));
  const embedded = await startEmbeddedDatabase(scratch, log);
  serverUrl = embedded.url;
  stopEmbedded = embedded.stop;
}
// The admin database of the server: template and per-file databases are created from it.
const adminUrl = new URL(serverUrl);
adminUrl.pathname = '/postgres';
const admin = createDatabase(adminUrl.toString(), 2);
await admin.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
await admin.raw(`CREATE DATABASE ${TEMPLATE_DB}`);
const templateUrl = new URL(serverUrl);
templateUrl.pathname = `/${TEMPLATE_DB}`;
const template = createDatabase(templateUrl.toString(), 2);
await migrateLatest(template);
await template.destroy();
await admin.destroy();

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_SERVER_URL: adminUrl.toString() },
});
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await stopEmbedded?.();
if (scratch) rmSync(scratch, { recursive: true, force: true });
process.exit(code);
