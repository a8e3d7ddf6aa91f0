// `npm run bench [name …]`: runs bench/<name>.ts (each exports `run()`), or every benchmark.
// Benchmarks print their figures beside a baseline measured in the same run; they are never part of `npm test`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = import.meta.dirname;
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.replace(/\.ts$/, '')).sort();
const names = process.argv.slice(2);
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`bench: no benchmark '${name}'; available: ${available.join(', ')}`);
    process.exit(2);
  }
}
for (const name of names.length ? names : available) {
  console.log(`\n=== bench ${name} ===`);
  const mod = await import(pathToFileURL(join(dir, `${name}.ts`)).href);
  const result = await mod.run();
  if (result !== undefined && typeof mod.report === 'function') console.log(mod.report(result));
}
process.exit(0);
