import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { freePort, ServiceProcess } from './support/processes';

// The playground and the REST docs in Debian's Chromium, as a newcomer meets them: the service
// as `npm start` runs it on a fresh embedded database, and the URLs its banner prints.
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, 'artifacts');
// Chromium is a Debian package that .ci/run installs; a developer's machine may not have it.
const runs = existsSync(CHROMIUM) ? describe : describe.skip;

if (!existsSync(CHROMIUM) && process.env.CI) {
  test('Chromium is installed in CI', () => {
    throw new Error(`${CHROMIUM} is missing: .ci/run must apt-get install chromium`);
  });
}

runs('in a real browser', () => {
  let service: ServiceProcess;
  let dataDir: string;
  let playgroundUrl: string;
  let docsUrl: string;
  let browser: Browser;
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-browser-'));
    service = new ServiceProcess({
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    });
    playgroundUrl = (await service.waitFor(/Playground: +(\S+)/))[1]!;
    docsUrl = (await service.waitFor(/API docs: +(\S+)/))[1]!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the playground opens with the demo key and a sample query; Run shows the demo audiences', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1800 } });
    const violations = watchPolicyViolations(page);
    const offsite: string[] = [];
    const origin = new URL(playgroundUrl).origin;
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:'))
        offsite.push(request.url());
    });
    await page.goto(playgroundUrl);
    await page.locator('.graphiql-execute-button').waitFor();
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await response.getByText('contactCount').first().waitFor({ timeout: 15_000 });
    const text = (await response.textContent()) ?? '';
    for (const name of ['VIP Customers', 'Newsletter Subscribers', 'Win-back'])
      expect(text).toContain(name);
    expect(text).not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: path.join(ARTIFACTS, 'playground.png') });

    await page.getByLabel('Show Documentation Explorer').click();
    await page
      .locator('.graphiql-doc-explorer')
      .getByText('Query', { exact: true })
      .first()
      .waitFor();
    expect(await page.locator('.graphiql-doc-explorer').textContent()).toContain('Mutation');
    expect(offsite).toEqual([]);
    expect(violations).toEqual([]);
    await page.close();
  });

  test('/api/docs lists the REST paths', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1600 } });
    const violations = watchPolicyViolations(page);
    await page.goto(docsUrl);
    await page.locator('.opblock-summary-path').first().waitFor();
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    const methods = await page.locator('.opblock-summary-method').allTextContents();
    expect(
      methods.map((method, index) => `${method} ${paths[index]!.replace(/\u200b/g, '')}`).sort(),
    ).toEqual([
      'DELETE /api/audience/{id}',
      'DELETE /api/contacts/{id}',
      'DELETE /api/sms/keywords/{keyword}',
      'DELETE /api/webhooks/{id}',
      'GET /api/audience',
      'GET /api/audience/{id}',
      'GET /api/audience/{id}/contacts',
      'GET /api/audience/{id}/contacts/export',
      'GET /api/contacts',
      'GET /api/contacts/export',
      'GET /api/contacts/imports',
      'GET /api/contacts/imports/{id}',
      'GET /api/contacts/{id}',
      'GET /api/contacts/{id}/audiences',
      'GET /api/contacts/{id}/consent-history',
      'GET /api/events',
      'GET /api/sms/keywords',
      'GET /api/webhooks',
      'GET /api/webhooks/{id}',
      'GET /api/webhooks/{id}/deliveries',
      'POST /api/audience',
      'POST /api/audience/{id}/add-contacts',
      'POST /api/audience/{id}/remove-contacts',
      'POST /api/contacts',
      'POST /api/contacts/imports',
      'POST /api/contacts/opt-outs',
      'POST /api/sms/inbound',
      'POST /api/webhooks',
      'POST /api/webhooks/{id}/replay',
      'PUT /api/audience/{id}',
      'PUT /api/contacts/{id}',
      'PUT /api/sms/keywords/{keyword}',
      'PUT /api/webhooks/{id}',
    ]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'api-docs.png') });
    expect(violations).toEqual([]);
    await page.close();
  });
});

/** Console errors about the Content-Security-Policy: something the page needs that the policy blocks. */
function watchPolicyViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      violations.push(message.text());
  });
  return violations;
}
