/** Builds the front end and the server where their sources changed (scripts/build.mjs). */
export function buildWhatChanged(options?: { web?: boolean; server?: boolean }): Promise<void>;
