// The `virtstack` command: serve, db migrate, openrc, clouds-yaml.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, CONFIG_VARIABLES, type Config } from './config.js';
import { createLogger } from './logger.js';
import { openDatabase, startServer } from './main.js';
import { migrateLatest } from './db/migrate.js';
import { cloudsYaml, openrc } from './client-config.js';

const USAGE = `usage: virtstack <command>

commands:
  serve         start the API server (Keystone /identity on one port)
  db migrate    run the database migrations and exit
  openrc        print shell exports for the admin account (source it)
  clouds-yaml   print a clouds.yaml entry "virtstack" for the admin account

configuration (environment variables):
${CONFIG_VARIABLES.map((v) => `  ${v.name.padEnd(28)} ${v.meaning} [${v.default}]`).join('\n')}
`;

/** The admin password: from the environment, else from the admin-openrc written at first start. */
function adminPassword(config: Config): string {
  if (config.adminPassword) return config.adminPassword;
  const rc = join(config.dataDir, 'admin-openrc');
  if (!existsSync(rc)) throw new ConfigError(`no admin password known: set VIRTSTACK_ADMIN_PASSWORD or start the server once (it writes ${rc})`);
  const m = /^export OS_PASSWORD='((?:[^']|'\\'')*)'$/m.exec(readFileSync(rc, 'utf8'));
  if (!m) throw new ConfigError(`${rc} has no OS_PASSWORD line`);
  return m[1].replaceAll(`'\\''`, "'");
}

async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  switch (command) {
    case 'serve': {
      const server = await startServer(config, log);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        await server.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      return -1; // keep running
    }
    case 'db': {
      if (sub !== 'migrate') break;
      const { db, embedded } = await openDatabase(config, log);
      try {
        const applied = await migrateLatest(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await db.destroy();
        await embedded?.stop();
      }
      return 0;
    }
    case 'openrc':
      process.stdout.write(openrc(config, adminPassword(config)));
      return 0;
    case 'clouds-yaml':
      process.stdout.write(cloudsYaml(config, adminPassword(config)));
      return 0;
  }
  process.stderr.write(`virtstack: unknown command '${argv.join(' ')}'\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`virtstack: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`virtstack: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
