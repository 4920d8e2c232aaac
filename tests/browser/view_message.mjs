// Opens a portal message page in Debian's Chromium, as a recipient with a verified
// session, and reports what the browser did: the page's status, the text inside the
// message's frame, and the main page's text. A second, control page loads the same
// message HTML with no sandbox and no CSP, to prove the detector (a pixel server the
// test runs) sees what unprotected HTML does.
//   node view_message.mjs portal <page url> <cookie name> <cookie value>
//   node view_message.mjs control <html file>
// Prints one JSON object.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [mode, ...rest] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const result = {};
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  if (mode === 'portal') {
    const [url, cookieName, cookieValue] = rest;
    await context.addCookies([{ name: cookieName, value: cookieValue, url: new URL('/', url).href,
                                secure: true, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const response = await page.goto(url, { waitUntil: 'load' });
    result.status = response.status();
    result.mainText = await page.locator('main').innerText();
    const frameHandle = await page.locator('iframe.html-body').elementHandle();
    const frame = frameHandle ? await frameHandle.contentFrame() : null;
    result.frameFound = !!frame;
    result.sandbox = frameHandle ? await frameHandle.getAttribute('sandbox') : null;
    result.frameText = frame ? await frame.locator('body').innerText() : '';
    await page.waitForTimeout(500);  // time for any stray request to reach the pixel server
  } else {
    const page = await context.newPage();
    await page.setContent(readFileSync(rest[0], 'utf8'), { waitUntil: 'load' });
    await page.waitForTimeout(500);
    result.text = await page.locator('body').innerText();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
