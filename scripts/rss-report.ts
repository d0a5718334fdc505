// Preloaded by the benchmark (`node --import`): prints the process's peak resident memory at exit.
process.on('exit', () => {
  process.stderr.write(`\nMUSICFLOW_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
