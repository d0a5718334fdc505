// How long one test against the servers may take. Every such test names a limit: a consume loop or a server that
// never answers then fails that test by name (and aborts what listens to the test's signal) instead of holding
// up the run, where CI would wait for its own job limit and say nothing about which test hung.
export const SERVER_TEST = { timeout: 120_000 };
