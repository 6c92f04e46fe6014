// The order kro-lsp is looked for in: setting, bundled, PATH; and the executable bit.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { type Inputs, type Probe, resolveServer } from '../src/serverPath';

function fakeFs(files: Record<string, { exec: boolean }>): Probe & { chmodded: string[] } {
  const chmodded: string[] = [];
  return {
    chmodded,
    isFile: (p) => p in files,
    isExecutable: (p) => files[p]?.exec ?? false,
    makeExecutable: (p) => {
      chmodded.push(p);
      files[p].exec = true;
    },
  };
}

const base: Inputs = {
  setting: '',
  extensionPath: '/ext',
  platform: 'linux',
  envPath: '/usr/local/bin:/usr/bin',
  home: '/home/me',
  workspaceFolder: '/work',
};

test('the setting wins over bundled and PATH', () => {
  const fs = fakeFs({ '/opt/kro-lsp': { exec: true }, '/ext/bin/kro-lsp': { exec: true }, '/usr/bin/kro-lsp': { exec: true } });
  assert.deepEqual(resolveServer({ ...base, setting: '/opt/kro-lsp' }, fs), {
    kind: 'found',
    path: '/opt/kro-lsp',
    source: 'setting',
    madeExecutable: false,
  });
});

test('the setting expands ~ and resolves relative to the workspace', () => {
  const fs = fakeFs({ '/home/me/bin/kro-lsp': { exec: true }, '/work/target/debug/kro-lsp': { exec: true } });
  const home = resolveServer({ ...base, setting: '~/bin/kro-lsp' }, fs);
  assert.equal(home.kind === 'found' && home.path, '/home/me/bin/kro-lsp');
  const relative = resolveServer({ ...base, setting: 'target/debug/kro-lsp' }, fs);
  assert.equal(relative.kind === 'found' && relative.path, '/work/target/debug/kro-lsp');
});

test('a setting pointing nowhere is an error, not a silent fallback', () => {
  const fs = fakeFs({ '/usr/bin/kro-lsp': { exec: true } });
  assert.deepEqual(resolveServer({ ...base, setting: '/nope/kro-lsp' }, fs), {
    kind: 'missing',
    message: 'kro.server.path is set to /nope/kro-lsp, which does not exist',
  });
});

test('the bundled binary comes before PATH and gets its executable bit back', () => {
  const fs = fakeFs({ '/ext/bin/kro-lsp': { exec: false }, '/usr/bin/kro-lsp': { exec: true } });
  assert.deepEqual(resolveServer(base, fs), {
    kind: 'found',
    path: '/ext/bin/kro-lsp',
    source: 'bundled',
    madeExecutable: true,
  });
  assert.deepEqual(fs.chmodded, ['/ext/bin/kro-lsp']);
});

test('PATH is searched in order, skipping files that are not executable', () => {
  const fs = fakeFs({ '/usr/local/bin/kro-lsp': { exec: false }, '/usr/bin/kro-lsp': { exec: true } });
  assert.deepEqual(resolveServer(base, fs), {
    kind: 'found',
    path: '/usr/bin/kro-lsp',
    source: 'path',
    madeExecutable: false,
  });
  assert.deepEqual(fs.chmodded, []);
});

test('windows looks for kro-lsp.exe on a ;-separated PATH', () => {
  const fs = fakeFs({ 'C:\\tools/kro-lsp.exe': { exec: false } });
  const found = resolveServer({ ...base, platform: 'win32', envPath: 'C:\\bin;C:\\tools' }, fs);
  assert.equal(found.kind, 'found');
});

test('nothing found says how to fix it', () => {
  const found = resolveServer(base, fakeFs({}));
  assert.equal(found.kind, 'missing');
  assert.match(found.kind === 'missing' ? found.message : '', /set kro\.server\.path, or put kro-lsp on PATH/);
});
