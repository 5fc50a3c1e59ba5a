#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { Config, ConfigError, formatFatalConfigError } from './config/config.js';
import { ListenError, REDIS_VERSION, RESPLICA_VERSION, Server } from './server/server.js';
import { Logger } from './server/log.js';
import { LoadError } from './persistence/persistence.js';
import {
  applySentinelDefaults,
  checkSentinelConfigFile,
  createSentinel,
  loadSentinelState,
} from './sentinel/start.js';
import type { SentinelState } from './sentinel/config.js';
import type { Sentinel } from './sentinel/sentinel.js';

/**
 * Entry point, used like redis-server:
 *   resplica-server [/path/to/redis.conf] [--option value ...]
 * Reads the configuration, starts the server, and owns the process-level
 * concerns: signals, daemonizing, fatal errors and the exit code.
 */

function versionLine(): string {
  return `Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=resplica-${RESPLICA_VERSION}`;
}

function usage(): string {
  return [
    'Usage: ./resplica-server [/path/to/redis.conf] [options] [-]',
    '       ./resplica-server - (read config from stdin)',
    '       ./resplica-server -v or --version',
    '       ./resplica-server -h or --help',
    '',
    'Examples:',
    '       ./resplica-server (run the server with default conf)',
    '       ./resplica-server /etc/redis/6379.conf',
    '       ./resplica-server --port 7777',
    '       ./resplica-server --port 7777 --replicaof 127.0.0.1 8888',
    '       ./resplica-server /etc/myredis.conf --loglevel verbose -',
    '       ./resplica-server /etc/myredis.conf --loglevel verbose',
    '',
  ].join('\n');
}

function logo(port: number, mode: 'standalone' | 'sentinel' = 'standalone'): string {
  return [
    '',
    `                resplica ${RESPLICA_VERSION} (Redis ${REDIS_VERSION} compatible) 64 bit`,
    "           _.-``__ ''-._",
    "      _.-``    `.  `_.  ''-._",
    "  .-`` .-```.  ```\\/    _.,_ ''-._",
    ` (    '      ,       .-\`  | \`,    )     Running in ${mode} mode`,
    ` |\`-._\`-...-\` __...-.\`\`-._|'\` _.-'|     Port: ${port}`,
    ` |    \`-._   \`._    /     _.-'    |     PID: ${process.pid}`,
    "  `-._    `-._  `-./  _.-'    _.-'",
    " |`-._`-._    `-.__.-'    _.-'_.-'|",
    " |    `-._`-._        _.-'_.-'    |",
    "  `-._    `-._`-.__.-'_.-'    _.-'",
    "      `-._    `-.__.-'    _.-'",
    "          `-._        _.-'",
    "              `-.__.-'",
    '',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const log = new Logger();
  let loaded: ReturnType<typeof Config.fromArgv>;
  try {
    loaded = Config.fromArgv(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(formatFatalConfigError(err, REDIS_VERSION));
      process.exit(1);
    }
    throw err;
  }
  if (loaded.showVersion) {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  if (loaded.showHelp) {
    process.stderr.write(usage());
    return;
  }
  const config = loaded.config;
  let sentinelState: SentinelState | null = null;
  if (loaded.sentinelMode) {
    log.role = 'X';
    // Checked before anything else, as redis-sentinel does: the file is
    // where a sentinel keeps its identity and what it learnt.
    const problem = checkSentinelConfigFile(config);
    if (problem !== null) {
      log.warning(problem);
      process.exit(1);
    }
    applySentinelDefaults(config, argv);
    try {
      sentinelState = loadSentinelState(config);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(formatFatalConfigError(err, REDIS_VERSION));
        process.exit(1);
      }
      throw err;
    }
  }

  if (config.get('daemonize') && process.env.RESPLICA_DAEMON_CHILD !== '1') {
    // Node cannot fork(): re-run ourselves detached, which is what daemonizing
    // achieves, and let the parent exit at once as redis-server's does.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, RESPLICA_DAEMON_CHILD: '1' },
    });
    child.unref();
    return;
  }

  const dir = config.get('dir');
  try {
    process.chdir(dir);
  } catch (err) {
    process.stderr.write(`Can't chdir to '${dir}': ${(err as Error).message}\n`);
    process.exit(1);
  }

  log.level = config.get('loglevel');
  try {
    log.setFile(config.get('logfile'));
  } catch (err) {
    process.stderr.write(`Can't open the log file: ${(err as Error).message}\n`);
    process.exit(1);
  }

  log.role = loaded.sentinelMode ? 'X' : 'C';
  log.warning('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  log.warning(
    `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started (resplica ${RESPLICA_VERSION}, Node.js ${process.versions.node})`,
  );
  if (config.configFile === null) {
    log.warning(
      `Warning: no config file specified, using the default config. In order to specify a config file use ${process.argv[1] ?? 'resplica-server'} /path/to/redis.conf`,
    );
  } else {
    log.warning('Configuration loaded');
  }
  if (sentinelState !== null) {
    await runSentinel(config, log, sentinelState);
    return;
  }
  log.role = 'M';
  for (const name of config.acceptedInert) {
    log.notice(`Config directive '${name}' accepted, no effect in resplica.`);
  }

  let server: Server;
  try {
    server = new Server(config, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(formatFatalConfigError(err, REDIS_VERSION));
      process.exit(1);
    }
    throw err;
  }
  installProcessHandlers(server, log);
  await listenAndAnnounce(server, config, log, 'standalone');
  const unixSocket = config.get('unixsocket');
  log.warning('Server initialized');
  server.writePidFile();
  // Listening already: clients connecting meanwhile are answered -LOADING.
  try {
    await server.persistence.loadAtStartup();
  } catch (err) {
    if (err instanceof LoadError) {
      for (const line of err.lines) log.warning(line);
      process.exit(1);
    }
    throw err;
  }
  // Same lines, order and conditions as redis-server, which scripts wait for.
  if (server.tcpPort !== 0) log.notice('Ready to accept connections');
  const master = config.get('replicaof');
  if (master !== null) server.replicaLink.startFromConfig(master.host, master.port);
  if (unixSocket !== '')
    log.notice(`The server is now ready to accept connections at ${unixSocket}`);
}

/**
 * Sentinel mode: the same listener and client handling as the server, with
 * the sentinel's command table; no dataset is loaded or saved.
 */
async function runSentinel(config: Config, log: Logger, state: SentinelState): Promise<void> {
  const { server, sentinel } = createSentinel(config, log, state);
  installProcessHandlers(server, log, sentinel);
  await listenAndAnnounce(server, config, log, 'sentinel');
  server.writePidFile();
  sentinel.start();
}

/**
 * Opens the listening sockets (a failure is fatal, in Redis's words), then
 * says so as redis-server does: the logo on a terminal (log to stdout) or
 * when forced, otherwise one line that log parsers can use.
 */
async function listenAndAnnounce(
  server: Server,
  config: Config,
  log: Logger,
  mode: 'standalone' | 'sentinel',
): Promise<void> {
  log.notice('monotonic clock: POSIX clock_gettime');
  try {
    await server.listen();
  } catch (err) {
    if (err instanceof ListenError) {
      log.warning(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (server.tcpPort === 0 && config.get('unixsocket') === '') {
    // Nothing would keep the event loop alive: Redis refuses this set-up too.
    log.warning('Configured to not listen anywhere, exiting.');
    process.exit(1);
  }
  const showLogo =
    config.get('always-show-logo') ||
    (config.get('logfile') === '' && process.stdout.isTTY === true);
  if (!showLogo) log.notice(`Running mode=${mode}, port=${server.tcpPort}.`);
  else if (log.enabled('notice')) log.raw(logo(server.tcpPort, mode));
}

function installProcessHandlers(
  server: Server,
  log: Logger,
  sentinel: Sentinel | null = null,
): void {
  server.onShutdownRequest = () => {
    sentinel?.stop();
    void server.shutdown().then(() => {
      log.warning(
        sentinel === null
          ? 'Redis is now ready to exit, bye bye...'
          : 'Sentinel is now ready to exit, bye bye...',
      );
      process.exit(0);
    });
  };

  let interrupts = 0;
  const onSignal = (name: string): void => {
    if (name === 'SIGINT' && ++interrupts > 1) {
      log.warning('You insist... exiting now.');
      process.exit(1);
    }
    log.warning(`Received ${name} scheduling shutdown...`);
    // shutdown-on-sigterm / shutdown-on-sigint hold SHUTDOWN's modifiers; a
    // failed final save leaves the server running, as Redis does.
    if (sentinel !== null) {
      // A sentinel has no dataset to save nor replicas to wait for.
      server.requestShutdown({ save: false, nosave: true, force: true, now: true });
      return;
    }
    const flags = server.config.get(
      name === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm',
    );
    server.requestShutdown({
      save: flags.includes('save'),
      nosave: flags.includes('nosave'),
      force: flags.includes('force'),
      now: flags.includes('now'),
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Redis ignores SIGHUP (a closed terminal must not stop the server), while
  // Node's default would be to exit.
  process.on('SIGHUP', () => {});
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('uncaughtException', (err) => {
    log.warning(`Unexpected error, exiting: ${err.stack ?? String(err)}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.warning(
      `Unexpected error, exiting: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exit(1);
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(
    `Fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
