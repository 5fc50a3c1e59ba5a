import type { CommandSpec } from './types.js';

/** The list commands (data-types milestone, in progress). */
export const listCommands: readonly CommandSpec[] = [];
