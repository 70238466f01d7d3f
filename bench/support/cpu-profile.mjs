// Preloaded into a server under test (NODE_OPTIONS=--import <this file>; Node refuses --cpu-prof
// there) with CPU_PROFILE_DIR set: the first SIGUSR2 starts V8's CPU profiler, the next writes
// <dir>/<pid>-<n>.cpuprofile, the same format as `node --cpu-prof`. The bench signals at the
// edges of its measuring window, so the profile holds the loaded steady state and nothing else.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  let running = false;
  let n = 0;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!running) {
        running = true;
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 1000 });
        await post('Profiler.start');
        return;
      }
      running = false;
      const { profile } = await post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}-${n++}.cpuprofile`), JSON.stringify(profile));
    })().catch((err) => console.error('cpu-profile:', err));
  });
}
