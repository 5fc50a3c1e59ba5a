import type { CommandSpec } from './types.js';

/** The pub/sub commands (data-types milestone, in progress). */
export const pubsubCommands: readonly CommandSpec[] = [];
