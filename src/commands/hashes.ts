import type { CommandSpec } from './types.js';

/** The hash commands (data-types milestone, in progress). */
export const hashCommands: readonly CommandSpec[] = [];
