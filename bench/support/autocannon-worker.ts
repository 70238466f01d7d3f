import autocannon from 'autocannon';

/**
 * autocannon in its own process, so the load generator's CPU can be read apart
 * from the bench's and the server's (a saturated generator shows, and is not
 * taken for a slow server). argv[2]: autocannon's options as JSON. Prints the
 * result summary as one JSON line.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await autocannon(options);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  seconds,
  requests: result.requests.total,
  generatorCores: (cpu.user + cpu.system) / 1e6 / seconds,
  requestsPerSec: result.requests.average,
  latencyP50Ms: result.latency.p50,
  latencyP99Ms: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
}));
process.exit(0);
