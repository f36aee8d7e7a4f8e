import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

// The configuration's rules are unit-tested (test/unit/config.test.ts); this starts the service.
test('a bad value stops start-up with that message and exit code 1', async () => {
  const run = promisify(execFile);
  const failure = await run(
    path.join(__dirname, '..', 'node_modules', '.bin', 'ts-node'),
    [path.join(__dirname, '..', 'src', 'main.ts')],
    { env: { ...process.env, PORT: 'abc' } },
  ).catch((error: { code: number; stderr: string }) => error);
  expect(failure).toMatchObject({ code: 1 });
  expect((failure as { stderr: string }).stderr.trim()).toBe(
    'Invalid configuration: PORT must be an integer from 1 to 65535, got "abc"',
  );
});
