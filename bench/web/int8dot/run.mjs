// run.mjs DIR - serves DIR on loopback and prints the console of DIR/index.html in headless
// Chromium until the probe's "best" line (see probe.c).
import { launchBrowser } from '../../../tests/web/lib.mjs';
import { startStaticServer } from '../../../tests/web/static_server.mjs';

const timer = setTimeout(() => { console.error('probe: no result in 300 s'); process.exit(1); }, 300000);
const srv = await startStaticServer({ root: process.argv[2] });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  const done = new Promise((resolve) => page.on('console', (m) => {
    console.log(m.text());
    if (m.text().startsWith('best')) resolve();
  }));
  await page.goto(srv.url + 'index.html');
  await done;
} finally {
  await browser.close();
  await srv.close();
  clearTimeout(timer);
}
