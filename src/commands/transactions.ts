import type { CommandSpec } from './types.js';

/** The transaction commands (data-types milestone, in progress). */
export const transactionCommands: readonly CommandSpec[] = [];
