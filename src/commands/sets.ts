import type { CommandSpec } from './types.js';

/** The set commands (data-types milestone, in progress). */
export const setCommands: readonly CommandSpec[] = [];
