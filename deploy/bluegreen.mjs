#!/usr/bin/env node
// Blue-green deploys of the CryoProtect server on one host behind HAProxy, with a smoke test
// before any traffic and a watch window after the switch that switches back by itself.
// See docs/deploy.md. A separate tool rather than a `cryoprotect` subcommand: it starts, stops
// and outlives releases of `cryoprotect` itself, so it must not be one of them.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ensureHaproxy,
  haproxyPid,
  setSlotState,
  slotStats,
  stopHaproxy,
  waitSlot,
  writeHaproxyConfig
} from './haproxy.mjs';
import { backup, configureArchiving } from './pitr.mjs';
import { createRelease, resolveRelease } from './releases.mjs';
import {
  runReleaseCommand,
  serverEnvironment,
  slotPid,
  startSlot,
  stopSlot,
  waitReady
} from './slots.mjs';
import { smokeTest } from './smoke.mjs';
import {
  SLOTS,
  ensureDirs,
  lockHolder,
  parseDuration,
  paths,
  pidAlive,
  readState,
  requireState,
  say,
  seconds,
  sleep,
  stateDir,
  step,
  takeLock,
  writeState
} from './state.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: node deploy/bluegreen.mjs <command> [options]   (state: --state DIR or CRYOPROTECT_DEPLOY_STATE)

  init --port N --blue-port N --green-port N     set up the state folder and start HAProxy
       [--pitr-data-dir DIR [--pitr-port N] [--pitr-socket-dir DIR] [--pitr-config F] [--pitr-repo DIR]]
                                                 and WAL archiving with pgBackRest + a first full backup
  release NAME --commit REV | --from-build [DIR] make a release folder (git archive + build, or a built checkout)
  deploy RELEASE [--watch 60s] [--max-error-rate 0.05] [--min-requests 20] [--ready-timeout 90s] [--token-file F]
                                                 smoke-test RELEASE in the idle slot, switch, watch, retire the old slot
  status [--json]                                live slot, release and health of each slot
  rollback                                       back to the previous release (switch if its slot is up, else redeploy)
  stop                                           stop both slots and HAProxy
  up                                             start HAProxy and the live release if they are not running (after a reboot)`;

class Refusal extends Error {}

function options(args, spec) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { state: { type: 'string' }, ...spec }
  });
}

function port(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Refusal(`${name} must be a port number (got "${text}")`);
  }
  return n;
}

function deployToken(values) {
  const file = values['token-file'] ?? process.env.CRYOPROTECT_DEPLOY_TOKEN_FILE;
  if (file) {
    return readFileSync(file, 'utf8').trim();
  }
  return process.env.CRYOPROTECT_DEPLOY_TOKEN?.trim() || undefined;
}

const other = slot => (slot === 'blue' ? 'green' : 'blue');

async function init(args) {
  const { values } = options(args, {
    port: { type: 'string' },
    'blue-port': { type: 'string' },
    'green-port': { type: 'string' },
    'pitr-data-dir': { type: 'string' },
    'pitr-port': { type: 'string' },
    'pitr-socket-dir': { type: 'string' },
    'pitr-config': { type: 'string' },
    'pitr-repo': { type: 'string' }
  });
  const dir = stateDir(values.state);
  ensureDirs(dir);
  const existing = readState(dir);
  const state = existing ?? {
    host: '127.0.0.1',
    live: null,
    previous: null,
    slots: { blue: { release: null }, green: { release: null } }
  };
  for (const [key, target] of [
    ['port', s => (s.port = port(values.port, '--port'))],
    ['blue-port', s => (s.slots.blue.port = port(values['blue-port'], '--blue-port'))],
    ['green-port', s => (s.slots.green.port = port(values['green-port'], '--green-port'))]
  ]) {
    if (values[key] !== undefined) {
      target(state);
    } else if (!existing) {
      throw new Refusal(`init needs --${key}`);
    }
  }
  if (existing && (slotPid(dir, 'blue') || slotPid(dir, 'green') || haproxyPid(dir))) {
    if (JSON.stringify(existing) !== JSON.stringify(state)) {
      throw new Refusal('ports cannot change while a slot or HAProxy runs: stop first');
    }
  }
  writeState(dir, state);
  await step('haproxy', async note => note(await ensureHaproxy(dir, state)));
  if (values['pitr-data-dir']) {
    await setUpPointInTimeRecovery(values);
  }
  say(`state     ${dir}`);
}

/**
 * WAL archiving with pgBackRest for the deployment's PostgreSQL (on this host), then the first
 * full backup: from then on the database can be restored to any moment (deploy/pitr.mjs,
 * docs/point-in-time-recovery.md). Idempotent: a second init changes nothing and backs up again.
 */
async function setUpPointInTimeRecovery(values) {
  const target = {
    ...(values['pitr-config'] && { configFile: values['pitr-config'] }),
    ...(values['pitr-repo'] && { repoPath: values['pitr-repo'] })
  };
  await step('archiving', async note => {
    const configured = await configureArchiving({
      ...target,
      dataDir: values['pitr-data-dir'],
      ...(values['pitr-port'] && { port: port(values['pitr-port'], '--pitr-port') }),
      ...(values['pitr-socket-dir'] && { socketDir: values['pitr-socket-dir'] })
    });
    note(
      `pgBackRest stanza ${configured.stanza}, repository ${configured.repoPath}, archive_timeout ${configured.archiveTimeout} s${configured.restarted ? ', PostgreSQL restarted' : ''}`
    );
  });
  await step('backup', async note => {
    const full = await backup({ ...target, type: 'full' });
    note(`full backup in ${full.seconds.toFixed(1)} s: restorable to any moment from now on`);
  });
}

async function release(args) {
  const { values, positionals } = options(args, {
    commit: { type: 'string' },
    'from-build': { type: 'string' },
    repo: { type: 'string' }
  });
  const dir = stateDir(values.state);
  ensureDirs(dir);
  const [name] = positionals;
  if (!name || Boolean(values.commit) === Boolean(values['from-build'])) {
    throw new Refusal('release NAME needs --commit REV or --from-build DIR (one of them)');
  }
  await step('release', note =>
    createRelease(
      dir,
      {
        name,
        commit: values.commit,
        fromBuild: values['from-build'],
        repo: resolve(values.repo ?? REPO)
      },
      note
    )
  );
}

/**
 * Put `to` in front and `from` out: `to` ready and UP in HAProxy's own check, then `from` drained.
 * Returns the seconds it took and what is still left on `from`.
 */
async function switchSlots(dir, state, from, to) {
  const t0 = performance.now();
  await setSlotState(dir, to, 'ready');
  await waitSlot(dir, to, s => s?.status === 'UP', 15_000, 'UP in haproxy');
  let left = 0;
  if (from) {
    await setSlotState(dir, from, 'drain');
    // Requests the old slot holds are finished there, nothing new reaches it. A long one (an
    // upload, a long search) does not hold up the switch: the old process runs on until retired.
    left = await waitSlot(dir, from, s => s.sessions === 0, 10_000, 'drained').then(
      () => 0,
      () => -1
    );
  }
  state.live = to;
  writeState(dir, state);
  writeHaproxyConfig(dir, state);
  return { seconds: (performance.now() - t0) / 1000, drained: left === 0 };
}

async function retire(dir, slot) {
  await setSlotState(dir, slot, 'drain');
  await waitSlot(dir, slot, s => s.sessions === 0, 30_000, 'drained').catch(() => {});
  await setSlotState(dir, slot, 'maint');
  return stopSlot(dir, slot);
}

/**
 * The watch window: the new slot's 5xx and broken responses over the last 10 s, from HAProxy's
 * counters. Resolves with undefined when the window passed, or with why it must go back.
 */
async function watch(dir, slot, { windowMs, maxErrorRate, minRequests, interrupted }) {
  const deadline = Date.now() + windowMs;
  const samples = [];
  let first;
  let last;
  while (Date.now() < deadline) {
    if (interrupted.signal) {
      return `${interrupted.signal} during the watch window (manual rollback)`;
    }
    if (!slotPid(dir, slot)) {
      return `the server of ${slot} exited (see ${paths(dir).slotLog(slot)})`;
    }
    const stats = (await slotStats(dir))[slot];
    if (stats.status.startsWith('DOWN')) {
      return `${slot} failed its readiness checks in haproxy (${stats.check})`;
    }
    const now = { t: Date.now(), total: stats.total, errors: stats.errors };
    first ??= now;
    last = now;
    samples.push(now);
    while (samples.length > 1 && now.t - samples[0].t > 10_000) {
      samples.shift();
    }
    const total = now.total - samples[0].total;
    const errors = now.errors - samples[0].errors;
    if (total >= minRequests && errors / total > maxErrorRate) {
      return `error rate ${((100 * errors) / total).toFixed(1)} % (${errors} of ${total} responses 5xx or broken in 10 s) above ${(100 * maxErrorRate).toFixed(1)} %`;
    }
    await sleep(250);
  }
  const total = last.total - first.total;
  const errors = last.errors - first.errors;
  watch.summary = `${total} responses from ${slot}, ${errors} 5xx or broken (${total ? ((100 * errors) / total).toFixed(2) : '0.00'} %)`;
  return undefined;
}

async function deploy(args) {
  const { values, positionals } = options(args, {
    watch: { type: 'string', default: '60s' },
    'max-error-rate': { type: 'string', default: '0.05' },
    'min-requests': { type: 'string', default: '20' },
    'ready-timeout': { type: 'string', default: '90s' },
    'token-file': { type: 'string' },
    // Set by rollback: going back is never refused for want of a token.
    rollback: { type: 'boolean', default: false }
  });
  const [name] = positionals;
  if (!name) {
    throw new Refusal('deploy needs a RELEASE (a name in <state>/releases or a path)');
  }
  const dir = stateDir(values.state);
  const maxErrorRate = Number(values['max-error-rate']);
  if (!(maxErrorRate >= 0 && maxErrorRate < 1)) {
    throw new Refusal('--max-error-rate must be a fraction between 0 and 1, like 0.05');
  }
  const settings = {
    windowMs: parseDuration(values.watch, '--watch'),
    readyMs: parseDuration(values['ready-timeout'], '--ready-timeout'),
    maxErrorRate,
    minRequests: Math.max(1, Number(values['min-requests']) || 20),
    token: deployToken(values)
  };
  // An upgrade's smoke test must write: a release that reads but cannot write would otherwise
  // pass. Only the first deploy may go without a token (none can exist before a server runs);
  // a rollback may too, so that an emergency is never refused for want of one.
  const current = readState(dir);
  if (!settings.token && !values.rollback && current?.live && slotPid(dir, current.live)) {
    throw new Refusal(
      'a deploy onto a running slot smoke-tests a write: give a read/write token with --token-file F (or CRYOPROTECT_DEPLOY_TOKEN_FILE)'
    );
  }
  const unlock = takeLock(dir, `deploy ${name}`);
  try {
    return await deployLocked(dir, name, settings);
  } finally {
    unlock();
  }
}

async function deployLocked(dir, name, settings) {
  const t0 = performance.now();
  const state = requireState(dir);
  const target = resolveRelease(dir, name);
  const env = serverEnvironment(dir);
  await step('haproxy', async note => note(await ensureHaproxy(dir, state)));
  const live = state.live && slotPid(dir, state.live) ? state.live : null;
  const idle = live ? other(live) : (state.live ?? 'blue');
  const slot = { ...state.slots[idle], name: idle };
  const fromRelease = live ? state.slots[live].release : null;
  say(
    `plan      ${target.name} (version ${target.version}) into ${idle} on port ${slot.port}; live: ${live ? `${live} (${fromRelease})` : 'none'}`
  );
  await step('idle', async note => {
    await setSlotState(dir, idle, 'maint');
    note(`${idle}: haproxy maint, old process ${await stopSlot(dir, idle)}`);
  });
  const log = paths(dir).slotLog(idle);
  await step('migrate', async note => {
    const result = await runReleaseCommand(dir, target.path, ['db', 'migrate'], env, log);
    if (result.code !== 0) {
      throw new Error(
        `cryoprotect db migrate of ${target.name} exited with ${result.code}: ${result.output.trim().split('\n').slice(-5).join(' | ')}`
      );
    }
    const applied = (result.output.match(/applied \d+_/g) ?? []).length;
    note(`${target.name}: cryoprotect db migrate, ${applied} new migrations`);
  });
  state.slots[idle].release = target.name;
  state.slots[idle].path = target.path;
  writeState(dir, state);
  const fail = async (what, error) => {
    await step('abort', async note => {
      note(`${idle}: ${await stopSlot(dir, idle)}`);
    });
    state.slots[idle].release = null;
    writeState(dir, state);
    say(
      `FAILED    ${what}: ${error.message.split('\n')[0]}; traffic stayed on ${live ? `${live} (${fromRelease})` : 'nothing (no live slot)'}; server log: ${log}`
    );
    return 1;
  };
  try {
    await step('start', async note => {
      const pid = startSlot(dir, idle, {
        releaseDir: target.path,
        release: target.name,
        port: slot.port,
        host: state.host,
        env
      });
      note(
        `${idle}: cryoprotect serve of ${target.name} on ${state.host}:${slot.port} (pid ${pid}, log ${log})`
      );
    });
    await step('ready', async note => {
      await waitReady(dir, idle, state.host, slot.port, settings.readyMs);
      note(`${idle}: GET /health/ready 200`);
    });
  } catch (error) {
    return fail('start', error);
  }
  try {
    await smokeTest(`http://${state.host}:${slot.port}`, {
      token: settings.token,
      version: target.version,
      label: `${target.name} in ${idle}`
    });
  } catch (error) {
    return fail('smoke test', error);
  }
  let switchSeconds;
  try {
    switchSeconds = await step('switch', async note => {
      const took = await switchSlots(dir, state, live, idle);
      note(
        live
          ? `${idle} ready, ${live} ${took.drained ? 'drained' : 'draining (requests still running there)'}: traffic on ${idle} (${target.name})`
          : `${idle} ready: traffic on ${idle} (${target.name})`
      );
      return took.seconds;
    });
  } catch (error) {
    // Whatever state the switch stopped in, the old slot takes the traffic again.
    if (live) {
      await setSlotState(dir, live, 'ready').catch(() => {});
      state.live = live;
      writeState(dir, state);
    }
    await setSlotState(dir, idle, 'maint').catch(() => {});
    return fail('switch', error);
  }
  const previousBefore = state.previous;
  state.previous = live ? { slot: live, release: fromRelease } : null;
  writeState(dir, state);
  if (live) {
    const interrupted = {};
    const onSignal = signal => (interrupted.signal = signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let reason;
    try {
      reason = await step('watch', async note => {
        const why = await watch(dir, idle, { ...settings, interrupted });
        note(
          why
            ? `${idle}: ${why}`
            : `${settings.windowMs / 1000} s on ${idle}: ${watch.summary}; threshold ${(100 * settings.maxErrorRate).toFixed(1)} %`
        );
        return why;
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (reason) {
      await step('rollback', async note => {
        const took = await switchSlots(dir, state, idle, live);
        note(
          `${live} ready, ${idle} ${took.drained ? 'drained' : 'draining'}: traffic back on ${live} (${fromRelease})`
        );
      });
      await step('retire', async note =>
        note(`${idle} (${target.name}): maint, ${await retire(dir, idle)}`)
      );
      state.slots[idle].release = null;
      // What was live before stays live, so what was before that is still the way back.
      state.previous = previousBefore;
      state.failed = { release: target.name, reason, at: new Date().toISOString() };
      writeState(dir, state);
      say(`ROLLED BACK ${target.name}: ${reason}; live: ${live} (${fromRelease})`);
      return 1;
    }
    await step('retire', async note =>
      note(`${live} (${fromRelease}): maint, ${await retire(dir, live)}`)
    );
  }
  say(
    `DEPLOYED  ${target.name} live in ${idle}; switch-over ${switchSeconds.toFixed(2)} s; total ${seconds(performance.now() - t0)}`
  );
  return 0;
}

async function status(args) {
  const { values } = options(args, { json: { type: 'boolean' } });
  const dir = stateDir(values.state);
  const state = requireState(dir);
  let stats = {};
  const proxy = haproxyPid(dir);
  if (proxy) {
    stats = await slotStats(dir).catch(() => ({}));
  }
  const slots = {};
  for (const slot of SLOTS) {
    const pid = slotPid(dir, slot);
    let ready = 'not running';
    if (pid) {
      try {
        const r = await fetch(`http://${state.host}:${state.slots[slot].port}/health/ready`, {
          signal: AbortSignal.timeout(3000)
        });
        ready = r.status === 200 ? 'ready' : `not ready (${r.status})`;
      } catch (error) {
        ready = `no answer (${error.cause?.code ?? error.message})`;
      }
    }
    slots[slot] = {
      port: state.slots[slot].port,
      release: pid ? state.slots[slot].release : null,
      pid: pid ?? null,
      health: ready,
      haproxy: stats[slot]?.status ?? null
    };
  }
  const report = {
    state: dir,
    frontend: `${state.host}:${state.port}`,
    haproxy: proxy ? `running (pid ${proxy})` : 'not running',
    live: state.live,
    previous: state.previous,
    failed: state.failed ?? null,
    deploying: lockHolder(dir) ?? null,
    slots
  };
  if (values.json) {
    say(JSON.stringify(report, null, 2));
    return 0;
  }
  say(`frontend  ${report.frontend}, haproxy ${report.haproxy}`);
  say(
    `live      ${state.live ?? 'none'}${state.live ? ` (${state.slots[state.live].release})` : ''}`
  );
  for (const slot of SLOTS) {
    const s = slots[slot];
    say(
      `${slot.padEnd(9)} port ${s.port}, release ${s.release ?? '-'}, ${s.pid ? `pid ${s.pid}` : 'no process'}, ${s.health}, haproxy ${s.haproxy ?? '-'}`
    );
  }
  if (state.previous) {
    say(`previous  ${state.previous.release} (was in ${state.previous.slot})`);
  }
  if (state.failed) {
    say(`failed    ${state.failed.release} at ${state.failed.at}: ${state.failed.reason}`);
  }
  if (report.deploying) {
    say(`deploying ${report.deploying.command} (pid ${report.deploying.pid})`);
  }
  return 0;
}

async function rollback(args) {
  const { values } = options(args, {
    watch: { type: 'string', default: '60s' },
    'token-file': { type: 'string' },
    'ready-timeout': { type: 'string', default: '90s' }
  });
  const dir = stateDir(values.state);
  const holder = lockHolder(dir);
  if (holder?.command.startsWith('deploy ')) {
    // A deploy in its watch window switches back itself on SIGINT.
    const t0 = performance.now();
    process.kill(holder.pid, 'SIGINT');
    while (pidAlive(holder.pid) && performance.now() - t0 < 60_000) {
      await sleep(100);
    }
    say(
      `rollback  asked the running "${holder.command}" (pid ${holder.pid}) to switch back (${seconds(performance.now() - t0)})`
    );
    await status(['--state', dir]);
    return 0;
  }
  const state = requireState(dir);
  const previous = state.previous;
  if (!previous) {
    throw new Refusal('no previous release recorded to go back to');
  }
  const unlock = takeLock(dir, 'rollback');
  let code;
  try {
    const live = state.live;
    if (slotPid(dir, previous.slot) && state.slots[previous.slot].release === previous.release) {
      const took = await step('switch', async note => {
        const s = await switchSlots(dir, state, live, previous.slot);
        note(
          `${previous.slot} (${previous.release}) ready, ${live} ${s.drained ? 'drained' : 'draining'}`
        );
        return s.seconds;
      });
      await step('retire', async note => note(`${live}: maint, ${await retire(dir, live)}`));
      state.previous = null;
      writeState(dir, state);
      say(
        `ROLLED BACK to ${previous.release} in ${previous.slot}; switch-over ${took.toFixed(2)} s`
      );
      code = 0;
    } else {
      say(`rollback  ${previous.release} is not running any more: deploying it again`);
      unlock();
      return await deploy([
        previous.release,
        '--rollback',
        '--state',
        dir,
        '--watch',
        values.watch,
        '--ready-timeout',
        values['ready-timeout'],
        ...(values['token-file'] ? ['--token-file', values['token-file']] : [])
      ]);
    }
  } finally {
    unlock();
  }
  return code;
}

async function stop(args) {
  const { values } = options(args, {});
  const dir = stateDir(values.state);
  requireState(dir);
  const unlock = takeLock(dir, 'stop');
  try {
    for (const slot of SLOTS) {
      await step('stop', async note => note(`${slot}: ${await stopSlot(dir, slot)}`));
    }
    await step('stop', async note => note(`haproxy: ${await stopHaproxy(dir)}`));
  } finally {
    unlock();
  }
  return 0;
}

/**
 * Idempotent, for a reboot or a crash (cron, @reboot): HAProxy and the live slot's release are
 * started when they are not running. No smoke test: this release already passed one.
 */
async function up(args) {
  const { values } = options(args, { 'ready-timeout': { type: 'string', default: '90s' } });
  const dir = stateDir(values.state);
  const state = requireState(dir);
  const holder = lockHolder(dir);
  if (holder) {
    say(`up        nothing done: "${holder.command}" is running (pid ${holder.pid})`);
    return 0;
  }
  const unlock = takeLock(dir, 'up');
  try {
    await step('haproxy', async note => note(await ensureHaproxy(dir, state)));
    const live = state.live;
    if (!live || !state.slots[live].path) {
      say('up        no live release yet: deploy one');
      return 0;
    }
    const slot = state.slots[live];
    if (slotPid(dir, live)) {
      say(`up        ${live} (${slot.release}) running (pid ${slotPid(dir, live)})`);
      return 0;
    }
    const env = serverEnvironment(dir);
    await step('start', async note => {
      const pid = startSlot(dir, live, {
        releaseDir: slot.path,
        release: slot.release,
        port: slot.port,
        host: state.host,
        env
      });
      note(`${live}: cryoprotect serve of ${slot.release} (pid ${pid})`);
    });
    await step('ready', async note => {
      await waitReady(
        dir,
        live,
        state.host,
        slot.port,
        parseDuration(values['ready-timeout'], '--ready-timeout')
      );
      await setSlotState(dir, live, 'ready');
      await waitSlot(dir, live, s => s?.status === 'UP', 15_000, 'UP in haproxy');
      note(`${live}: GET /health/ready 200, UP in haproxy`);
    });
  } finally {
    unlock();
  }
  return 0;
}

const COMMANDS = { init, release, deploy, status, rollback, stop, up };

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help' || !COMMANDS[command]) {
    say(USAGE);
    return command && !['--help', 'help'].includes(command) ? 2 : 0;
  }
  try {
    return (await COMMANDS[command](args)) ?? 0;
  } catch (error) {
    process.stderr.write(`bluegreen ${command}: ${error.message}\n`);
    return error instanceof Refusal || error.code?.startsWith?.('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

process.exitCode = await main();
