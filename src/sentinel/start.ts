import { accessSync, readFileSync, constants as fsConstants } from 'node:fs';
import type { Config } from '../config/config.js';
import type { Logger } from '../server/log.js';
import { Server } from '../server/server.js';
import { CommandTable } from '../commands/table.js';
import { SentinelState, SENTINEL_PORT, loadSentinelDirectives } from './config.js';
import { Sentinel } from './sentinel.js';
import { sentinelCommandSpecs } from './commands.js';

/**
 * Sentinel start-up, the part of main() that differs from a server's: the
 * config file must exist and be writable (the sentinel keeps its state
 * there), the `sentinel` lines are loaded, and a Server is built with the
 * sentinel's command table. The dataset machinery of that Server stays
 * idle: nothing writes to it.
 */

/** Redis's fatal start-up checks of the config file; the message to log, or null. */
export function checkSentinelConfigFile(config: Config): string | null {
  const file = config.configFile;
  if (file === null) return 'Sentinel needs config file on disk to save state. Exiting...';
  try {
    accessSync(file, fsConstants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOENT'
        ? 'No such file or directory'
        : e.code === 'EACCES'
          ? 'Permission denied'
          : e.message;
    return `Sentinel config file ${file} is not writable: ${reason}. Exiting...`;
  }
  return null;
}

/**
 * redis-sentinel's defaults differ from redis-server's: port 26379 and
 * protected mode off (a sentinel must be reachable by its peers). They
 * apply unless the file or the command line set the option.
 */
export function applySentinelDefaults(config: Config, argv: readonly string[]): void {
  let text = '';
  if (config.configFile !== null) {
    try {
      text = readFileSync(config.configFile, 'utf8');
    } catch {
      // Unreadable files were reported by the loader already.
    }
  }
  const given = (name: string): boolean =>
    argv.some((a) => a.toLowerCase() === `--${name}`) ||
    new RegExp(`^[ \\t]*${name}[ \\t]`, 'im').test(text);
  if (!given('port')) config.setInternal('port', SENTINEL_PORT);
  if (!given('protected-mode')) config.setInternal('protected-mode', false);
}

/** The `sentinel` lines of the config; throws ConfigError for a bad one (before anything is logged, as Redis). */
export function loadSentinelState(config: Config): SentinelState {
  const state = new SentinelState();
  loadSentinelDirectives(state, config.fileDirectives.sentinel);
  return state;
}

/** Builds the sentinel and the server that answers its clients. */
export function createSentinel(
  config: Config,
  log: Logger,
  state: SentinelState,
): { server: Server; sentinel: Sentinel } {
  const sentinel = new Sentinel(config, log, state);
  const server = new Server(config, log, new CommandTable(sentinelCommandSpecs(sentinel)));
  sentinel.attach(server);
  return { server, sentinel };
}
