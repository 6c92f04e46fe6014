/** The real file system behind `Probe`. */
import * as fs from 'node:fs';

import type { Probe } from './serverPath';

export const nodeProbe: Probe = {
  isFile(p) {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
  isExecutable(p) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  makeExecutable(p) {
    const mode = fs.statSync(p).mode;
    fs.chmodSync(p, mode | 0o111);
  },
};
