// Opens /api/docs in Debian's Chromium as a developer would: waits for Swagger UI to
// draw the API's operations from /api/v1/openapi.yaml, authorises with an API key in
// its Authorize dialog, and tries GET /api/v1/accounts. Reports what the page did,
// including every Content-Security-Policy violation and failed request.
//   node api_docs.mjs <base url> <id:secret>
// Prints one JSON object.
import { chromium } from 'playwright-core';

const [base, credentials] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const result = { consoleErrors: [], otherOrigins: [] };
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) result.otherOrigins.push(r.url());
  });
  const response = await page.goto(base + '/api/docs', { waitUntil: 'load' });
  result.status = response.status();
  result.csp = response.headers()['content-security-policy'];
  await page.locator('.opblock').first().waitFor({ timeout: 30000 });
  result.operations = await page.locator('.opblock').count();
  result.title = await page.locator('.info .title').innerText();

  await page.locator('.auth-wrapper .authorize').click();
  const apiKey = page.locator('.auth-container', { hasText: 'X-API-Key' });
  await apiKey.locator('input').fill(credentials);
  await apiKey.locator('button.authorize').click();
  await page.locator('.modal-ux .close-modal').click();

  const op = page.locator('#operations-organisation-listAccounts');
  await op.locator('.opblock-summary').click();
  await op.locator('.try-out__btn').click();
  await op.locator('.execute').click();
  const status = op.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: 30000 });
  result.tryStatus = (await status.innerText()).trim();
  result.tryBody = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
