// Preloaded by the benchmark (`node --import`): prints the process's peak resident memory and the CPU time it
// used at exit. CPU time, unlike a rate, holds on a machine busy with other work.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nMUSICFLOW_MAX_RSS_KB=${usage.maxRSS} MUSICFLOW_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`);
});
