// The alerting path with the real tools (Debian's prometheus 2.42 and prometheus-alertmanager
// 0.25): the checked-in configurations pass promtool and amtool, and, end to end, a database
// outage under `cryoprotect serve` reaches a person: Prometheus fires the readiness alert,
// Alertmanager mails it (to an SMTP sink that insists on the password from the secrets file) and
// posts it to the chat relay (a webhook receiver that insists on the bearer token), escalates it
// to on-call, and both hear when it is resolved.
//
// The end-to-end run uses the checked-in files, changed only where this machine or the clock
// forces it (see the three *Config functions): addresses, the secrets folder, TLS to the sink,
// and every duration divided by 60 (a rule's `for: 2m` becomes 2 s, group_interval 5m becomes
// 5 s) with scrapes and evaluations every second.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { parse, stringify } from 'yaml';
import { ensureDebianPackages } from '../scripts/debian.mjs';
import { startPostgres } from '../scripts/postgres.mjs';
import { CLI, ROOT, freePort, runCommand, startProcess, tempDir } from './helpers.mjs';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const PROMETHEUS_YML = 'ops/prometheus/prometheus.yml';
const ALERTS_YML = 'ops/prometheus/alerts.yml';
const ALERTS_TEST_YML = 'ops/prometheus/alerts.test.yml';
const ALERTMANAGER_YML = 'ops/alertmanager/alertmanager.yml';
// Where the checked-in configurations expect their secrets (docs/alerts.md).
const SECRETS_DIR = '/etc/prometheus/secrets';

const sleep = ms => new Promise(done => setTimeout(done, ms));
const read = path => readFileSync(join(ROOT, path), 'utf8');

/** Install the tools, or a reason to skip when that is impossible here (not root). */
async function installTools() {
  try {
    await ensureDebianPackages(['prometheus', 'prometheus-alertmanager']);
    return undefined;
  } catch (error) {
    if (/^missing Debian packages/.test(error.message)) {
      return error.message;
    }
    throw error;
  }
}

async function tool(command, args) {
  const result = await runCommand(command, args, { timeoutMs: 60_000 });
  assert.equal(
    result.code,
    0,
    `${command} ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`.slice(-4000)
  );
  return result.stdout + result.stderr;
}

/** A Prometheus/Alertmanager duration (1h30m, 5m, 30s, 500ms) in milliseconds. */
function durationMs(text) {
  const units = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = [...String(text).matchAll(/(\d+)(ms|s|m|h|d)/g)];
  assert.equal(parts.map(p => p[0]).join(''), String(text), `not a duration: ${text}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** A minute becomes a second. */
const shortened = text => `${Math.max(1, Math.round(durationMs(text) / 60))}ms`;

/** Point every `*_file` under the secrets folder at the same file name in `dir`. */
function moveSecrets(node, dir, moved = []) {
  for (const [key, value] of Object.entries(node ?? {})) {
    if (typeof value === 'object') {
      moveSecrets(value, dir, moved);
    } else if (key.endsWith('_file') && String(value).startsWith(`${SECRETS_DIR}/`)) {
      node[key] = join(dir, basename(value));
      moved.push(basename(value));
    }
  }
  return moved;
}

/** alerts.yml with each rule's `for:` divided by 60. */
function alertsConfig() {
  const rules = parse(read(ALERTS_YML));
  for (const rule of rules.groups.flatMap(g => g.rules)) {
    if (rule.for) {
      rule.for = shortened(rule.for);
    }
  }
  return stringify(rules);
}

/**
 * prometheus.yml scraping `serverPort` every second (the timeout may not exceed the interval),
 * alerting to `alertmanagerPort`, with the secrets in `secrets`.
 */
function prometheusConfig({ serverPort, alertmanagerPort, secrets }) {
  const config = parse(read(PROMETHEUS_YML));
  Object.assign(config.global, { scrape_interval: '1s', evaluation_interval: '1s' });
  config.alerting.alertmanagers[0].static_configs[0].targets = [`127.0.0.1:${alertmanagerPort}`];
  const job = name => config.scrape_configs.find(j => j.job_name === name);
  job('cryoprotect').scrape_timeout = '1s';
  job('cryoprotect').static_configs[0].targets = [`127.0.0.1:${serverPort}`];
  job('alertmanager').static_configs[0].targets = [`127.0.0.1:${alertmanagerPort}`];
  assert.deepEqual(moveSecrets(config, secrets), ['cryoprotect-metrics-token']);
  return stringify(config);
}

/**
 * alertmanager.yml delivering to the local SMTP sink (plain SMTP: TLS is not what is tested) and
 * to the webhook receiver, which gets each relay's host as the first part of its path; the
 * grouping times divided by 60.
 */
function alertmanagerConfig({ smtpPort, webhookPort, secrets }) {
  const config = parse(read(ALERTMANAGER_YML));
  Object.assign(config.global, {
    smtp_smarthost: `127.0.0.1:${smtpPort}`,
    smtp_require_tls: false
  });
  const visit = route => {
    for (const key of ['group_wait', 'group_interval', 'repeat_interval']) {
      if (route[key]) {
        route[key] = shortened(route[key]);
      }
    }
    (route.routes ?? []).forEach(visit);
  };
  visit(config.route);
  for (const hook of config.receivers.flatMap(r => r.webhook_configs ?? [])) {
    const url = new URL(hook.url);
    hook.url = `http://127.0.0.1:${webhookPort}/${url.host}${url.pathname}`;
  }
  moveSecrets(config, secrets);
  return stringify(config);
}

/** The parts of a mail Alertmanager sends that the test reads: subject and decoded text. */
function parseMail(raw, envelope) {
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const headers = Object.fromEntries(
    head
      .replace(/\r?\n[ \t]+/g, ' ')
      .split(/\r?\n/)
      .map(line => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim()
      ])
  );
  // Quoted-printable (both parts of Alertmanager's multipart/alternative): soft line breaks and
  // =XX escapes.
  const text = raw
    .slice(head.length)
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return {
    subject: headers.subject ?? '',
    to: envelope.rcptTo.map(r => r.address),
    text
  };
}

/** Wait until `find()` returns something; fail with `describe()` after `timeoutMs`. */
async function waitFor(what, find, timeoutMs, describe = () => '') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${timeoutMs / 1000} s\n${describe()}`.slice(0, 6000));
    }
    await sleep(100);
  }
}

async function getJson(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Stop a process of startProcess: SIGTERM, SIGKILL after 5 s. */
async function stopProcess(process) {
  if (process && process.child.exitCode === null && process.child.signalCode === null) {
    process.child.kill('SIGTERM');
    await Promise.race([process.exited, sleep(5_000)]);
    process.child.kill('SIGKILL');
    await Promise.race([process.exited, sleep(2_000)]);
  }
}

// Long enough for a first install, which may wait up to 10 minutes for apt's lock held by a
// parallel test's install (scripts/debian.mjs); with the packages present this suite takes 1 s.
describe('alerting configuration (promtool, amtool)', { timeout: 720_000 }, () => {
  let skip;
  let dir;

  before(async () => {
    skip = await installTools();
    dir = tempDir('cryoprotect-promcheck-');
  });

  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('passes promtool check config, check rules and the rule unit tests', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    // As checked in, the secret files do not exist here: syntax only. Then the full check (which
    // also loads alerts.yml) with the secrets folder in place, as on a prepared host.
    await tool('promtool', ['check', 'config', '--syntax-only', join(ROOT, PROMETHEUS_YML)]);
    const config = parse(read(PROMETHEUS_YML));
    moveSecrets(config, dir);
    writeFileSync(join(dir, 'cryoprotect-metrics-token'), 'a-metrics-token-of-the-server\n');
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    writeFileSync(join(dir, 'alerts.yml'), read(ALERTS_YML));
    const checked = await tool('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
    assert.match(checked, /SUCCESS: \d+ rules found/);
    await tool('promtool', ['check', 'rules', join(ROOT, ALERTS_YML)]);
    await tool('promtool', ['test', 'rules', join(ROOT, ALERTS_TEST_YML)]);
  });

  it('passes amtool check-config and routes by severity and escalation', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    const file = join(ROOT, ALERTMANAGER_YML);
    await tool('amtool', ['check-config', file]);
    const routes = [
      ['severity=warning', 'team-chat'],
      ['severity=critical', 'team-mail-and-chat'],
      ['severity=page escalation=true', 'oncall,team-mail-and-chat'],
      ['alertname=SomethingNew', 'team-mail-and-chat']
    ];
    for (const [labels, receivers] of routes) {
      await tool('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${file}`,
        `--verify.receivers=${receivers}`,
        ...labels.split(' ')
      ]);
    }
  });

  it('keeps secrets out of the configurations and points every runbook at a real anchor', () => {
    for (const path of [PROMETHEUS_YML, ALERTMANAGER_YML]) {
      const text = read(path);
      // Only the *_file forms: a password, token or webhook URL written inline would be a secret
      // in the repository.
      assert.doesNotMatch(
        text,
        /^\s*(smtp_auth_password|auth_password|auth_secret|credentials|bearer_token|api_url|password):/m,
        path
      );
      const files = [...text.matchAll(/_file:\s*(\S+)/g)].map(m => m[1]);
      assert.ok(files.length > 0, path);
      for (const file of files) {
        assert.ok(file.startsWith(`${SECRETS_DIR}/`), `${path}: ${file} outside ${SECRETS_DIR}`);
      }
    }
    const rules = parse(read(ALERTS_YML)).groups.flatMap(g => g.rules);
    for (const rule of rules) {
      const runbook = rule.annotations?.runbook;
      assert.ok(runbook, `${rule.alert} has no runbook annotation`);
      const [doc, anchor] = runbook.split('#');
      assert.ok(existsSync(join(ROOT, doc)), `${rule.alert}: ${doc} does not exist`);
      const markdown = read(doc);
      // GitHub's heading anchors (lower case, punctuation dropped, spaces to hyphens), outside
      // code blocks, whose shell comments look like headings.
      const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
      const headings = [...prose.matchAll(/^#+\s+(.+)$/gm)].map(([, title]) =>
        title
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-')
      );
      assert.ok(
        headings.includes(anchor) || prose.includes(`id="${anchor}"`),
        `${rule.alert}: no anchor #${anchor} in ${doc}`
      );
    }
  });
});

describe('a database outage reaches mail, chat and on-call', { timeout: 180_000 }, () => {
  let skip;
  let dir;
  let postgres;
  let server;
  let serverPort;
  let prometheus;
  let prometheusUrl;
  let alertmanager;
  let smtp;
  let webhook;
  const mails = [];
  const hooks = [];
  // Deliveries the sinks refused (wrong password or token): each would be a configuration error.
  const refused = [];
  const secret = () => randomBytes(18).toString('base64url');
  const secrets = {
    'cryoprotect-metrics-token': secret(),
    'smtp-password': secret(),
    'chat-relay-token': secret(),
    'pager-relay-token': secret()
  };
  const relayTokens = {
    'chat-relay.example.org': secrets['chat-relay-token'],
    'pager-relay.example.org': secrets['pager-relay-token']
  };

  const state = () =>
    [
      `mails: ${JSON.stringify(mails.map(m => [m.at, m.to, m.subject]))}`,
      `webhooks: ${JSON.stringify(hooks.map(h => [h.at, h.path, h.body.status, h.body.groupLabels]))}`,
      `refused: ${JSON.stringify(refused)}`,
      `alertmanager: ${alertmanager?.output().slice(-1500)}`,
      `prometheus: ${prometheus?.output().slice(-1500)}`
    ].join('\n');

  before(async () => {
    skip = await installTools();
    if (skip) {
      return;
    }
    try {
      postgres = await startPostgres();
    } catch (error) {
      skip = `no PostgreSQL to start here: ${error.message.split('\n')[0]}`;
      return;
    }
    dir = tempDir('cryoprotect-alerts-');
    const secretsDir = join(dir, 'secrets');
    mkdirSync(secretsDir, { mode: 0o700 });
    for (const [name, value] of Object.entries(secrets)) {
      // As docs/alerts.md says to write them: Alertmanager 0.25 sends the SMTP password file's
      // bytes as they are (a trailing newline fails with 535), while the bearer token files are
      // read by Prometheus' HTTP client, which trims them.
      const text = name === 'smtp-password' ? value : `${value}\n`;
      writeFileSync(join(secretsDir, name), text, { mode: 0o600 });
    }

    const serverEnv = {
      DATABASE_URL: postgres.url,
      DATABASE_SERVICE_URL: '',
      CRYOPROTECT_DATA_DIR: join(dir, 'data'),
      CRYOPROTECT_METRICS_TOKEN: secrets['cryoprotect-metrics-token'],
      CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn'
    };
    const migrated = await runCommand(process.execPath, [CLI, 'db', 'migrate'], {
      env: serverEnv,
      timeoutMs: 120_000
    });
    assert.equal(migrated.code, 0, migrated.stderr);
    serverPort = await freePort();
    server = startProcess(process.execPath, [CLI, 'serve', '--port', String(serverPort)], {
      env: serverEnv,
      ready: /REST server: http/,
      timeoutMs: 60_000
    });

    const smtpUser = parse(read(ALERTMANAGER_YML)).global.smtp_auth_username;
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      // AUTH without TLS: on loopback only, and Go's client allows it to 127.0.0.1 too.
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, session, callback) {
        if (auth.username === smtpUser && auth.password === secrets['smtp-password']) {
          callback(null, { user: auth.username });
        } else {
          refused.push(`smtp auth as ${auth.username}`);
          callback(new Error('invalid credentials'));
        }
      },
      onData(stream, session, callback) {
        const chunks = [];
        stream.on('data', chunk => chunks.push(chunk));
        stream.on('end', () => {
          mails.push({
            at: Date.now(),
            ...parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope)
          });
          callback();
        });
      }
    });
    const smtpPort = await freePort();
    await new Promise((done, fail) => {
      smtp.once('error', fail);
      smtp.listen(smtpPort, '127.0.0.1', done);
    });

    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', chunk => (body += chunk));
      request.on('end', () => {
        const relay = request.url.split('/')[1];
        if (request.headers.authorization !== `Bearer ${relayTokens[relay]}`) {
          refused.push(`webhook ${request.url} with ${request.headers.authorization}`);
          response.writeHead(401).end();
          return;
        }
        hooks.push({ at: Date.now(), path: request.url, body: JSON.parse(body) });
        response.end('ok');
      });
    });
    const webhookPort = await freePort();
    await new Promise((done, fail) => {
      webhook.once('error', fail);
      webhook.listen(webhookPort, '127.0.0.1', done);
    });

    const alertmanagerPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      alertmanagerConfig({ smtpPort, webhookPort, secrets: secretsDir })
    );
    alertmanager = startProcess(
      ALERTMANAGER,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'alertmanager')}`,
        `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
        `--web.external-url=http://127.0.0.1:${alertmanagerPort}`,
        // No gossip port (it would take 9094 on every interface): a single instance.
        '--cluster.listen-address='
      ],
      { ready: /msg="Listening on"/, timeoutMs: 30_000 }
    );

    const prometheusPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    writeFileSync(join(dir, 'alerts.yml'), alertsConfig());
    writeFileSync(
      join(dir, 'prometheus.yml'),
      prometheusConfig({ serverPort, alertmanagerPort, secrets: secretsDir })
    );
    prometheus = startProcess(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`
      ],
      { ready: /Server is ready to receive web requests/, timeoutMs: 30_000 }
    );
    await Promise.all([server.started, alertmanager.started, prometheus.started]);
  });

  after(async () => {
    await Promise.all([stopProcess(prometheus), stopProcess(alertmanager), stopProcess(server)]);
    await Promise.all(
      [smtp, webhook].filter(Boolean).map(s => new Promise(done => s.close(() => done())))
    );
    // The cluster may be paused if the test failed during the outage; stop() removes it anyway.
    await postgres?.stop().catch(() => undefined);
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fires CryoProtectNotReady, mails it, posts it, escalates it and resolves it', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    const query = async expr => {
      const answer = await getJson(
        `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`
      );
      return answer?.data?.result ?? [];
    };
    const firing = async name => {
      const answer = await getJson(`${prometheusUrl}/api/v1/alerts`);
      return (answer?.data?.alerts ?? []).filter(
        a => a.labels.alertname === name && a.state === 'firing'
      );
    };
    // Both jobs scraped, the server ready, before the outage.
    await waitFor(
      'scrapes of the server (ready) and of Alertmanager',
      async () =>
        (await query('cryoprotect_ready == 1')).length === 1 &&
        (await query('up{job="alertmanager"} == 1')).length === 1,
      30_000,
      state
    );
    assert.deepEqual(await firing('CryoProtectNotReady'), []);

    await postgres.pause();
    const stopped = Date.now();
    const since = at => `${((at - stopped) / 1000).toFixed(1)} s`;

    const [alert] = await waitFor(
      'CryoProtectNotReady firing in Prometheus',
      async () => {
        const alerts = await firing('CryoProtectNotReady');
        return alerts.length > 0 && alerts;
      },
      30_000,
      state
    );
    const firedAt = Date.now();
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.instance, `127.0.0.1:${serverPort}`);
    assert.match(alert.annotations.description, /database/);

    const isNotReady = (mail, status) =>
      mail.subject.includes(`[${status}`) && mail.subject.includes('CryoProtectNotReady');
    const teamMail = await waitFor(
      'mail of CryoProtectNotReady to the team',
      () =>
        mails.find(m => m.to.includes('cryoprotect-team@example.org') && isNotReady(m, 'FIRING')),
      30_000,
      state
    );
    assert.match(teamMail.text, /FIRING CryoProtectNotReady on 127\.0\.0\.1:\d+ \(critical\)/);
    assert.match(teamMail.text, /is not ready \(GET \/health\/ready answers 503\)/);
    assert.match(teamMail.text, /Components down: [a-z, ]*database/);
    assert.match(teamMail.text, /Runbook: docs\/alerts\.md#cryoprotectnotready/);

    const hookOf =
      (relay, status, escalated = false) =>
      h =>
        h.path.startsWith(`/${relay}/`) &&
        h.body.status === status &&
        h.body.groupLabels.alertname === 'CryoProtectNotReady' &&
        h.body.alerts.some(a => (a.labels.escalation === 'true') === escalated);
    const teamHook = await waitFor(
      'webhook of CryoProtectNotReady to the chat relay',
      () => hooks.find(hookOf('chat-relay.example.org', 'firing')),
      30_000,
      state
    );
    assert.equal(teamHook.body.alerts[0].labels.severity, 'critical');

    // 15 minutes (here 15 s) after the database went: the escalated copy reaches on-call.
    const pagerMail = await waitFor(
      'escalated mail to on-call',
      () =>
        mails.find(m => m.to.includes('cryoprotect-oncall@example.org') && isNotReady(m, 'FIRING')),
      40_000,
      state
    );
    assert.match(pagerMail.text, /\(page, escalated\)/);
    const pagerHook = await waitFor(
      'escalated webhook to the pager relay',
      () => hooks.find(hookOf('pager-relay.example.org', 'firing', true)),
      30_000,
      state
    );

    await postgres.resume();
    const resumed = Date.now();
    const afterResume = at => `${((at - resumed) / 1000).toFixed(1)} s`;
    const resolvedMail = await waitFor(
      'resolved mail to the team',
      () =>
        mails.find(m => m.to.includes('cryoprotect-team@example.org') && isNotReady(m, 'RESOLVED')),
      40_000,
      state
    );
    const resolvedHook = await waitFor(
      'resolved webhook to the chat relay',
      () => hooks.find(hookOf('chat-relay.example.org', 'resolved')),
      40_000,
      state
    );
    const resolvedPager = await waitFor(
      'resolved webhook to the pager relay',
      () => hooks.find(hookOf('pager-relay.example.org', 'resolved', true)),
      40_000,
      state
    );
    assert.deepEqual(refused, []);

    const figures = [
      'scrape and evaluation every 1 s; for: 2 m -> 2 s, escalation 15 m -> 15 s, group_wait 30 s -> 0.5 s, group_interval 5 m -> 5 s',
      `database stopped -> CryoProtectNotReady firing in Prometheus: ${since(firedAt)}`,
      `database stopped -> mail delivered: ${since(teamMail.at)}`,
      `database stopped -> chat webhook delivered: ${since(teamHook.at)}`,
      `database stopped -> on-call mail (escalated): ${since(pagerMail.at)}`,
      `database stopped -> on-call webhook (escalated): ${since(pagerHook.at)}`,
      `database started -> resolved mail: ${afterResume(resolvedMail.at)}`,
      `database started -> resolved chat webhook: ${afterResume(resolvedHook.at)}`,
      `database started -> resolved on-call webhook: ${afterResume(resolvedPager.at)}`
    ];
    figures.push(`mail subject: ${teamMail.subject}`);
    figures.push(
      ...(/FIRING CryoProtectNotReady[^]*?Since: .*/.exec(teamMail.text)?.[0] ?? '')
        .split(/\r?\n/)
        .map(line => `mail text: ${line}`)
    );
    for (const line of figures) {
      context.diagnostic(line);
    }
  });
});
