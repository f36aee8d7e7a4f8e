import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { connectOrm } from '../src/database/database';
import { createOrganization } from '../src/organization/organization.service';
import { benchDatabase } from './bench-database';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

// npm run bench:import: the CLI's CSV import (compiled, in its own process) on generated files of
// each size, into a new organization of the benchmark database; then the same file again (every
// row found equal: the upsert's compare path). Wall time and the process's peak RSS.
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    repeat: { type: 'string', default: '1' },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const REPEAT = Number(values.repeat);
const ROOT = path.resolve(__dirname, '..');

interface Run {
  rows: number;
  pass: 'new contacts' | 'same file again';
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  report: Record<string, number>;
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  const { orm } = await connectOrm({
    url: database.url,
    poolSize: 2,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  const db = orm.em.getKnex();
  const serverVersion = (
    await db.raw<{ rows: { server_version: string }[] }>('show server_version')
  ).rows[0]!.server_version;
  const directory = path.join(os.tmpdir(), 'audience-gateway-import-bench');
  await mkdir(directory, { recursive: true });
  const runs: Run[] = [];
  try {
    for (let round = 1; round <= REPEAT; round += 1) {
      for (const size of SIZES) {
        const file = path.join(directory, `contacts-${size}.csv`);
        await writeCsv(file, size);
        const { organizationId } = await createOrganization(db, `Import bench ${size} ${round}`);
        for (const pass of ['new contacts', 'same file again'] as const) {
          const run = await importFile(database.url, organizationId, file, size, pass);
          console.log(JSON.stringify(run));
          runs.push(run);
        }
        // The organization and its contacts go, so that runs do not pile up.
        await db('organization').where({ id: organizationId }).delete();
      }
    }
  } finally {
    await orm.close();
    await rm(directory, { recursive: true, force: true });
    await database.stop();
  }
  await report(runs, serverVersion, !process.env.DATABASE_URL);
}

/** Rows numbered from 1, a phone each, names from short lists, an e-mail on two rows of three. */
async function writeCsv(file: string, rows: number): Promise<void> {
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (exists) return;
  const out = createWriteStream(file);
  out.write('firstName,lastName,primaryPhone,primaryEmail\n');
  for (let index = 1; index <= rows; index += 1) {
    const email = index % 3 === 0 ? '' : `person.${index}@example.com`;
    const line = `First${index % 97},"Last, ${index % 89}",+44${String(7_000_000_000 + index)},${email}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function importFile(
  url: string,
  organizationId: string,
  file: string,
  rows: number,
  pass: Run['pass'],
): Promise<Run> {
  const started = Date.now();
  const child = spawn(
    'node',
    [
      path.join(ROOT, 'dist', 'src', 'cli', 'cli.js'),
      'contacts',
      'import',
      '--org',
      organizationId,
      file,
    ],
    { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The process's peak RSS, read from /proc while it runs (gone once it exits).
  let peakKb = 0;
  const sampler = setInterval(() => {
    void readFile(`/proc/${child.pid}/status`, 'utf8').then(
      (status) => {
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      },
      () => undefined,
    );
  }, 50);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`import exited with ${code}:\n${stderr}`);
  const seconds = (Date.now() - started) / 1000;
  const result = JSON.parse(stdout) as Record<string, number>;
  const { organizationId: _organization, ...counts } = result;
  return {
    rows,
    pass,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(rows / seconds),
    peakRssMb: Math.round(peakKb / 1024),
    report: counts,
  };
}

async function report(runs: Run[], serverVersion: string, embedded: boolean): Promise<void> {
  const major = serverVersion.split('.')[0];
  const lines = [
    `# CSV import (${new Date().toISOString().slice(0, 10)})`,
    '',
    `PostgreSQL ${serverVersion} (${embedded ? 'embedded' : 'DATABASE_URL'}), Node ${process.version}, ` +
      `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB. ` +
      '`npm run bench:import`: the compiled CLI, one process per import, peak RSS from /proc.',
    '',
    '| rows | pass | seconds | rows/s | peak RSS MB | created | updated | unchanged |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (run) =>
        `| ${run.rows.toLocaleString('en')} | ${run.pass} | ${run.seconds} | ${run.rowsPerSecond.toLocaleString('en')} | ${run.peakRssMb} | ${run.report.created} | ${run.report.updated} | ${run.report.unchanged} |`,
    ),
    '',
  ];
  const out = path.join(ROOT, 'bench', 'results', `import-pg${major}.md`);
  await writeFile(out, lines.join('\n'));
  await writeFile(out.replace(/\.md$/, '.json'), `${JSON.stringify(runs, null, 2)}\n`);
  console.log(lines.join('\n'));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
