// The kro extension in a real VS Code: code-server serves the workbench and a real extension
// host with the packaged .vsix installed; Debian's chromium, driven by playwright-core, opens a
// broken RGD and checks the Problems panel, completion, the graph webview and code lenses.
//
// Environment: KRO_LSP (the server binary), VSIX (the packaged extension), OUT (a scratch dir
// for state, logs and screenshots), CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const kroLsp = must('KRO_LSP');
const vsix = must('VSIX');
const out = must('OUT');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const codeServer = path.join(here, 'node_modules/.bin/code-server');
const TIMEOUT = 30_000;

function must(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set`);
  }
  return v;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
let passed = 0;
let failed = 0;
async function test(name, fn) {
  const t = Date.now();
  try {
    await page?.keyboard.press('Escape');
    await fn();
    passed++;
    console.log(`ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n${e?.stack ?? e}`);
    await page?.screenshot({ path: path.join(out, `fail-${passed + failed}.png`) }).catch(() => {});
  }
}

// A fresh state: user data, extensions, a workspace with the fixtures.
fs.rmSync(out, { recursive: true, force: true });
const userData = path.join(out, 'user-data');
const extensions = path.join(out, 'extensions');
const workspace = path.join(out, 'workspace');
for (const d of [path.join(userData, 'User'), extensions, path.join(workspace, '.vscode')]) {
  fs.mkdirSync(d, { recursive: true });
}
for (const f of ['broken.yaml', 'webapp.yaml']) {
  fs.copyFileSync(path.join(root, 'editors/fixtures', f), path.join(workspace, f));
}
const settings = {
  'kro.server.path': kroLsp,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'chat.disableAIFeatures': true,
};
fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify(settings, null, 2));

const common = ['--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check'];
const install = spawnSync(codeServer, [...common, '--install-extension', vsix], { encoding: 'utf8' });
if (install.status !== 0) {
  console.error(install.stdout, install.stderr);
  throw new Error('code-server --install-extension failed');
}
console.log(`extension installed [${elapsed()}]`);

const port = await freePort();
const log = fs.openSync(path.join(out, 'code-server.log'), 'w');
const server = spawn(
  codeServer,
  [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-getting-started-override', workspace],
  { stdio: ['ignore', log, log], detached: true },
);
let browser;
let page;
try {
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (i > 300) {
      throw new Error('code-server did not start; see code-server.log');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`code-server ${port} up [${elapsed()}]`);

  // A fresh --user-data-dir (playwright passes it for a persistent context); --headless too.
  browser = await chromium.launchPersistentContext(path.join(out, 'chromium'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
  console.log(`workbench loaded [${elapsed()}]`);

  const openFile = async (name) => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: TIMEOUT });
    await input.fill(name);
    // Click the row of the file: the first row may still be a recently opened one.
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: TIMEOUT });
    await row.click();
    await page.locator(`.tab[data-resource-name="${name}"]`).waitFor({ timeout: TIMEOUT });
    await page.locator('.monaco-editor .view-lines').first().click();
  };
  const goToLine = async (line) => {
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ timeout: TIMEOUT });
    await page.keyboard.type(`${line}`);
    await page.keyboard.press('Enter');
  };
  const command = async (title) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: TIMEOUT });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: TIMEOUT });
    await page.keyboard.press('Enter');
  };

  await test('a broken RGD shows its diagnostics in the Problems panel', async () => {
    await openFile('broken.yaml');
    await command('Problems: Focus on Problems View');
    const problems = page.locator('.markers-panel');
    const invalid = problems.locator('.monaco-list-row', { hasText: 'resource id `my-config` must be lowerCamelCase' });
    await invalid.waitFor({ timeout: TIMEOUT });
    const text = await invalid.innerText();
    if (!/\[Ln 19, Col 11\]/.test(text)) {
      throw new Error(`expected the diagnostic at Ln 19, Col 11: ${text}`);
    }
    await problems.locator('.monaco-list-row', { hasText: 'unknown identifier `config`; did you mean `my-config`?' }).waitFor({ timeout: TIMEOUT });
    await page.screenshot({ path: path.join(out, 'problems.png') });
  });

  await test('completion after ${schema.spec. lists the spec fields', async () => {
    await openFile('webapp.yaml');
    await goToLine(24); // `name: ${schema.spec.name}-config`
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('labels:');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.type('app: "${schema.spec.', { delay: 20 });
    const suggest = page.locator('.editor-widget.suggest-widget');
    await suggest.locator('.monaco-list-row', { hasText: 'replicas' }).waitFor({ timeout: TIMEOUT });
    const labels = await suggest.locator('.monaco-list-row .label-name').allInnerTexts();
    for (const want of ['name', 'image', 'replicas', 'ingress']) {
      if (!labels.map((l) => l.trim()).includes(want)) {
        throw new Error(`completion lacks ${want}: ${labels.join(', ')}`);
      }
    }
    await page.screenshot({ path: path.join(out, 'completion.png') });
    await page.keyboard.press('Escape');
  });

  await test('kro: Show graph opens a webview with the waves', async () => {
    await page.keyboard.press('Control+Z');
    await command('kro: Show graph');
    await page.locator('.tab', { hasText: 'Graph: webapp.yaml' }).waitFor({ timeout: TIMEOUT });
    // The webview nests an iframe inside an iframe.
    let found = false;
    for (let i = 0; i < 200 && !found; i++) {
      for (const frame of page.frames()) {
        const n = await frame.locator('svg.graph g.node').count().catch(() => 0);
        if (n === 4) {
          found = true;
          break;
        }
      }
      if (!found) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!found) {
      throw new Error('no graph with 4 resources in any webview frame');
    }
    await page.screenshot({ path: path.join(out, 'graph.png') });
  });

  await test('code lenses show each resource in the graph', async () => {
    await openFile('webapp.yaml');
    const lenses = page.locator('.monaco-editor .codelens-decoration');
    // The graph lens runs kro.showGraph (a link); a marker is a plain label.
    await lenses.locator('a', { hasText: 'wave 2 · depends on: config · used by: service' }).waitFor({ timeout: TIMEOUT });
    await goToLine(60); // scroll to the ingress
    await lenses.locator('span', { hasText: 'conditional (includeWhen)' }).first().waitFor({ timeout: TIMEOUT });
    await page.screenshot({ path: path.join(out, 'codelens.png') });
  });
} finally {
  await browser?.close().catch(() => {});
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

console.log(`${passed} passed, ${failed} failed [${elapsed()}]`);
process.exit(failed === 0 ? 0 : 1);
