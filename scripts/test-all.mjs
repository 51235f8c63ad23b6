/**
 * Every check, in the order that fails fastest: lint, type-check, unit tests
 * (Vitest), the SLURM job array on a one-node cluster, the production build,
 * end-to-end tests (Playwright, Debian's Chromium). Ends with one line, `total: N passed, M failed`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const reports = '.test-reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function run(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

let passed = 0;
let failed = 0;
const steps = [];
function step(name, ok) {
  steps.push(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  return ok;
}

step('lint', run('lint', 'npx', ['eslint', '.', '--max-warnings=0']));
step('format', run('format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']));
step('typecheck', run('typecheck', 'npm', ['run', '--silent', 'typecheck']));

const unitOk = run('unit tests', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reports}/vitest.json`,
]);
try {
  const v = JSON.parse(readFileSync(`${reports}/vitest.json`, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
} catch {
  failed += 1;
}
step('unit tests', unitOk);

// The SLURM job array on a one-node cluster of this machine (scripts/slurm/test-local-cluster.sh).
{
  console.log('\n=== slurm: bash scripts/slurm/test-local-cluster.sh');
  const r = spawnSync('bash', ['scripts/slurm/test-local-cluster.sh'], { stdio: 'inherit' });
  if (r.status === 77) steps.push('skip slurm (needs root)');
  else {
    step('slurm', r.status === 0);
    if (r.status === 0) passed += 1;
    else failed += 1;
  }
}

const buildOk = step('build', run('build', 'npx', ['vite', 'build', '--logLevel', 'warn']));
if (buildOk) {
  const e2eOk = run('end-to-end tests', 'npx', ['playwright', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/playwright.json`,
  });
  try {
    const p = JSON.parse(readFileSync(`${reports}/playwright.json`, 'utf8'));
    passed += p.stats.expected;
    failed += p.stats.unexpected + p.stats.flaky;
  } catch {
    failed += 1;
  }
  step('end-to-end tests', e2eOk);
}

console.log(`\n${steps.join('\n')}`);
const allOk = steps.every((s) => s.startsWith('ok') || s.startsWith('skip'));
if (!allOk && failed === 0) failed = 1; // a failed lint, type-check or build counts too
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(allOk ? 0 : 1);
