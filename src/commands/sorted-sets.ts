import type { CommandSpec } from './types.js';

/** The sorted set commands (data-types milestone, in progress). */
export const sortedSetCommands: readonly CommandSpec[] = [];
