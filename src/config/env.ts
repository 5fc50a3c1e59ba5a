/**
 * The file-system and process facts the configuration loader depends on,
 * behind one small interface so tests can load a config without touching
 * /var/log or reading the real stdin, and so loading never changes the
 * process's working directory behind the server's back.
 *
 * Every method throws Node's errno-carrying errors (err.code = 'ENOENT', ...);
 * callers turn them into Redis's strerror texts.
 */
import * as fs from 'node:fs';

export interface ConfigEnvironment {
  /** The directory relative paths start from before any `dir` directive. */
  cwd(): string;
  /** Whole file as text. Reading a directory yields '' (as fgets on one does for Redis). */
  readFile(path: string): string;
  readStdin(): string;
  /** Entry names of a directory, for `include` patterns. */
  listDirectory(path: string): string[];
  /** Canonical absolute path of a directory we could chdir into (getcwd() after chdir()). */
  resolveDirectory(path: string): string;
  /** Opens the file for appending and closes it again (Redis's logfile check); may create it. */
  checkAppendable(path: string): void;
}

export const nodeEnvironment: ConfigEnvironment = {
  cwd: () => process.cwd(),
  readFile(path) {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') return '';
      throw err;
    }
  },
  readStdin: () => fs.readFileSync(0, 'utf8'),
  listDirectory: (path) => fs.readdirSync(path),
  resolveDirectory(path) {
    const real = fs.realpathSync(path);
    if (!fs.statSync(real).isDirectory()) {
      throw Object.assign(new Error(`ENOTDIR: not a directory, chdir '${path}'`), {
        code: 'ENOTDIR',
      });
    }
    fs.accessSync(real, fs.constants.X_OK);
    return real;
  },
  checkAppendable(path) {
    fs.closeSync(fs.openSync(path, 'a'));
  },
};
