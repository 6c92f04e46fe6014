/**
 * Where the kro-lsp binary comes from: the `kro.server.path` setting, then the binary bundled in
 * the extension (`bin/`), then `PATH`. Pure apart from the file-system probe handed in, so the
 * order is unit tested.
 */
import * as path from 'node:path';

/** What the resolution needs to know about the machine. */
export interface Probe {
  /** Whether a regular file exists at the path. */
  isFile(p: string): boolean;
  /** Whether the file at the path may be executed. */
  isExecutable(p: string): boolean;
  /** Make the file executable (a bundled binary can lose the bit when a .vsix is unpacked). */
  makeExecutable(p: string): void;
}

/** The inputs of the resolution. */
export interface Inputs {
  /** `kro.server.path`, possibly empty; `~` and relative paths are expanded. */
  setting: string;
  /** The extension's install directory. */
  extensionPath: string;
  /** `process.platform`. */
  platform: NodeJS.Platform;
  /** The `PATH` variable. */
  envPath: string;
  /** The home directory, for `~/` in the setting. */
  home: string;
  /** The workspace folder, for relative settings. */
  workspaceFolder?: string;
}

/** The resolved binary, or why none was found. */
export type Resolution =
  | { kind: 'found'; path: string; source: 'setting' | 'bundled' | 'path'; madeExecutable: boolean }
  | { kind: 'missing'; message: string };

/** The file name of the server on this platform. */
export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'kro-lsp.exe' : 'kro-lsp';
}

function expand(setting: string, inputs: Inputs): string {
  let p = setting.trim();
  if (p === '~' || p.startsWith('~/')) {
    p = path.join(inputs.home, p.slice(1));
  }
  if (!path.isAbsolute(p) && inputs.workspaceFolder) {
    p = path.join(inputs.workspaceFolder, p);
  }
  return p;
}

/** Find kro-lsp: setting, then bundled, then PATH. */
export function resolveServer(inputs: Inputs, probe: Probe): Resolution {
  const name = binaryName(inputs.platform);
  const setting = inputs.setting.trim();
  if (setting !== '') {
    const p = expand(setting, inputs);
    if (!probe.isFile(p)) {
      return { kind: 'missing', message: `kro.server.path is set to ${p}, which does not exist` };
    }
    return withExecutableBit(p, 'setting', inputs, probe);
  }
  const bundled = path.join(inputs.extensionPath, 'bin', name);
  if (probe.isFile(bundled)) {
    return withExecutableBit(bundled, 'bundled', inputs, probe);
  }
  const separator = inputs.platform === 'win32' ? ';' : ':';
  for (const dir of inputs.envPath.split(separator)) {
    if (dir === '') {
      continue;
    }
    const candidate = path.join(dir, name);
    if (probe.isFile(candidate) && (inputs.platform === 'win32' || probe.isExecutable(candidate))) {
      return { kind: 'found', path: candidate, source: 'path', madeExecutable: false };
    }
  }
  return {
    kind: 'missing',
    message:
      'kro-lsp was not found: set kro.server.path, or put kro-lsp on PATH (cargo install --path kro-lsp)',
  };
}

function withExecutableBit(
  p: string,
  source: 'setting' | 'bundled',
  inputs: Inputs,
  probe: Probe,
): Resolution {
  if (inputs.platform === 'win32' || probe.isExecutable(p)) {
    return { kind: 'found', path: p, source, madeExecutable: false };
  }
  try {
    probe.makeExecutable(p);
  } catch (e) {
    return { kind: 'missing', message: `${p} is not executable and chmod failed: ${String(e)}` };
  }
  return { kind: 'found', path: p, source, madeExecutable: true };
}
