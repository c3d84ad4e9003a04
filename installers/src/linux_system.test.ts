import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { INSTALLERS_DIR } from './builder_config.ts';
import { KIOSK_DIR } from './kiosk_deb.ts';
import { shellcheck, verifyUnits } from './linux_checks.ts';
import { run } from './run.ts';
import { parseUdevRules } from './udev_rules.ts';

/**
 * The kiosk system's files, each through the checker made for it: systemd's verifier, the
 * strict udev rules reader, shellcheck, polkit's rule run against the requests it decides,
 * cage's own options. kiosk_deb.test.ts checks the package they are shipped in.
 */
const ROOT_TREE = join(KIOSK_DIR, 'root');
const UNITS = ['scrutin-kiosk.service', 'scrutin-kiosk-printer.service'];
const RULES = join(ROOT_TREE, 'lib/udev/rules.d/70-scrutin-removable-drives.rules');
const work = mkdtempSync(join(tmpdir(), 'scrutin-linux-system-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const SHELL_SCRIPTS = [
  join(ROOT_TREE, 'usr/lib/scrutin-station-kiosk/session'),
  join(ROOT_TREE, 'usr/sbin/scrutin-kiosk-printer'),
  join(KIOSK_DIR, 'debian/postinst'),
  join(KIOSK_DIR, 'debian/prerm'),
  join(KIOSK_DIR, 'debian/postrm'),
  join(INSTALLERS_DIR, 'linux/image/install-station.sh'),
  join(INSTALLERS_DIR, 'linux/image/wipe-station.sh'),
  join(INSTALLERS_DIR, 'build/render_icons.sh'),
  join(INSTALLERS_DIR, '../.ci/run'),
];

describe('the systemd units', () => {
  it('pass systemd-analyze verify without a warning', async () => {
    const verified = await verifyUnits(ROOT_TREE, UNITS);
    expect(verified.stderr + verified.stdout).toBe('');
    expect(verified.status).toBe(0);
  });

  it('would not pass with a misspelt key or a bad value (the check can fail)', async () => {
    const spoiled = join(work, 'spoiled');
    cpSync(ROOT_TREE, spoiled, { recursive: true });
    const unit = join(spoiled, 'lib/systemd/system/scrutin-kiosk.service');
    writeFileSync(
      unit,
      readFileSync(unit, 'utf8')
        .replace(/^Restart=always$/m, 'Restart=alwayz')
        .replace('TTYReset=yes', 'TTYRest=yes'),
    );
    const verified = await verifyUnits(spoiled, ['scrutin-kiosk.service']);
    expect(verified.stderr).toContain("Unknown key 'TTYRest' in section [Service]");
    expect(verified.stderr).toContain('Failed to parse service restart specifier');
  });

  it('log the kiosk user in on tty1 through its PAM session, restart the session forever, and keep getty off tty1', () => {
    const unit = readFileSync(join(ROOT_TREE, 'lib/systemd/system/scrutin-kiosk.service'), 'utf8');
    for (const line of [
      'User=scrutin-kiosk',
      'PAMName=scrutin-kiosk',
      'TTYPath=/dev/tty1',
      'Conflicts=getty@tty1.service',
      'Restart=always',
      'StartLimitIntervalSec=0',
      'ExecStart=/usr/lib/scrutin-station-kiosk/session',
    ])
      expect(unit.split('\n')).toContain(line);
    expect(readFileSync(join(ROOT_TREE, 'etc/pam.d/scrutin-kiosk'), 'utf8')).toMatch(/^session\s+required\s+pam_systemd\.so$/m);
  });
});

describe('the kiosk session', () => {
  const session = readFileSync(join(ROOT_TREE, 'usr/lib/scrutin-station-kiosk/session'), 'utf8');
  const exec = /^exec (\S+) (.*) -- (\S+)$/m.exec(session);

  it('runs Scrutin Station alone in cage, without VT switching', async () => {
    expect(exec?.[1]).toBe('/usr/bin/cage');
    expect(exec?.[3]).toBe('/usr/bin/scrutin-station');
    const flags = (exec?.[2] ?? '').split(' ');
    expect(flags).not.toContain('-s');
    // cage's own help lists every option the session passes.
    const help = await run('cage', ['-h']);
    for (const flag of flags) expect(help.stdout + help.stderr).toMatch(new RegExp(`^ ${flag}\\s`, 'm'));
    expect(help.stdout + help.stderr).toMatch(/^ -s\s+Allow VT switching/m);
    expect(session).toContain('srvrkeys:none');
  });

  it('leaves no text console to switch to: no autovt, no SysRq, no Ctrl+Alt+Del', () => {
    const logind = readFileSync(join(ROOT_TREE, 'usr/lib/systemd/logind.conf.d/50-scrutin-kiosk.conf'), 'utf8');
    expect(logind).toMatch(/^NAutoVTs=0$/m);
    expect(logind).toMatch(/^ReserveVT=0$/m);
    const sysctl = readFileSync(join(ROOT_TREE, 'usr/lib/sysctl.d/50-scrutin-kiosk.conf'), 'utf8');
    expect(sysctl).toMatch(/^kernel\.sysrq = 0$/m);
    expect(readFileSync(join(ROOT_TREE, 'usr/lib/systemd/system.conf.d/50-scrutin-kiosk.conf'), 'utf8')).toMatch(
      /^CtrlAltDelBurstAction=none$/m,
    );
    expect(readFileSync(join(KIOSK_DIR, 'debian/postinst'), 'utf8')).toContain('deb-systemd-helper mask ctrl-alt-del.target');
  });
});

describe('the shell scripts', () => {
  it('pass shellcheck', async () => {
    const checked = await shellcheck(SHELL_SCRIPTS);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('would not pass with an unquoted variable (the check can fail)', async () => {
    const bad = join(work, 'bad.sh');
    writeFileSync(bad, '#!/bin/sh\nset -eu\nrm -rf $1/data\n');
    const checked = await shellcheck([bad]);
    expect(checked.status).not.toBe(0);
    expect(checked.stdout).toContain('SC2086');
  });
});

describe('the printer setup', () => {
  const SETTINGS = join(ROOT_TREE, 'usr/share/scrutin-station-kiosk/cupsd-station.conf');

  it('gives CUPS every setting of cupsd-station.conf (the file the printing tests’ cupsd uses) and a stop-printer queue', async () => {
    // The script as installed, its two paths pointed into this test; the CUPS tools are
    // stand-ins that write down their arguments.
    const dir = join(work, 'printer-setup');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const tool of ['cupsctl', 'lpadmin', 'cupsenable', 'cupsaccept']) {
      writeFileSync(join(dir, 'bin', tool), `#!/bin/sh\necho "${tool} $*" >>"${dir}/calls"\n`);
      chmodSync(join(dir, 'bin', tool), 0o755);
    }
    writeFileSync(join(dir, 'printer.conf'), 'URI=ipp://printer.local/ipp/print\nPPD=\n');
    const script = readFileSync(join(ROOT_TREE, 'usr/sbin/scrutin-kiosk-printer'), 'utf8');
    expect(script).toContain('SETTINGS=/usr/share/scrutin-station-kiosk/cupsd-station.conf');
    const copy = join(dir, 'scrutin-kiosk-printer');
    writeFileSync(
      copy,
      script
        .replace('CONF="${STATE_DIR}/printer.conf"', `CONF=${join(dir, 'printer.conf')}`)
        .replace('SETTINGS=/usr/share/scrutin-station-kiosk/cupsd-station.conf', `SETTINGS=${SETTINGS}`)
        .replace(/need_root apply\n/, ''),
      { mode: 0o755 },
    );
    const ran = await run('sh', [copy, 'apply'], { env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` } });
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    const calls = readFileSync(join(dir, 'calls'), 'utf8').split('\n');
    const settings = readFileSync(SETTINGS, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => `${line.split(' ')[0]}=${line.split(' ').slice(1).join(' ')}`);
    expect(settings).toEqual([
      'PreserveJobFiles=No',
      'PreserveJobHistory=No',
      'ErrorPolicy=stop-printer',
      'MaxJobTime=0',
      'AccessLogLevel=config',
      'LogLevel=warn',
      // cupsctl writes "PageLogFormat " (empty: no page log), checked against a real cupsd.
      'PageLogFormat=',
    ]);
    expect(calls[0]).toBe(`cupsctl --no-share-printers --no-remote-admin --no-remote-any ${settings.join(' ')}`);
    expect(calls).toContain('lpadmin -p scrutin-station -o printer-error-policy=stop-printer');
  });
});

describe('the removable-drive rules', () => {
  it('are valid udev rules', () => {
    const parsed = parseUdevRules(readFileSync(RULES, 'utf8'));
    expect(parsed.ok ? [] : parsed.error).toEqual([]);
  });

  it('make udisks2 mount USB file systems noexec,nosuid,nodev, allow nothing looser, and hide every other disk', () => {
    const parsed = parseUdevRules(readFileSync(RULES, 'utf8'));
    if (!parsed.ok) throw new Error('unparsable');
    const assigned = (name: string) =>
      parsed.value.flatMap((rule) =>
        rule.pairs.filter((p) => p.key === 'ENV' && p.attribute === name && p.operator === '=').map((p) => p.value),
      );
    expect(assigned('UDISKS_MOUNT_OPTIONS_DEFAULTS')).toEqual(['noexec,nosuid,nodev']);
    const allowed = assigned('UDISKS_MOUNT_OPTIONS_ALLOW')[0]?.split(',') ?? [];
    expect(allowed).toEqual(expect.arrayContaining(['noexec', 'nosuid', 'nodev', 'ro']));
    for (const loose of ['exec', 'suid', 'dev']) expect(allowed).not.toContain(loose);
    const hide = parsed.value.find((rule) => rule.pairs.some((p) => p.attribute === 'UDISKS_IGNORE'));
    expect(hide?.pairs[0]).toEqual({ key: 'ENV', attribute: 'ID_BUS', operator: '!=', value: 'usb' });
  });

  it.each([
    ['an assignment to a match-only key', 'SUBSYSTEM="block", ENV{X}="1"', 'SUBSYSTEM cannot be used with ='],
    ['an unknown key', 'SUBSYSTEMZ=="block"', 'unknown key SUBSYSTEMZ'],
    ['ENV without its variable', 'ENV=="usb"', 'ENV needs {attribute}'],
    ['a match on an assignment-only key', 'MODE=="0600"', 'MODE cannot be used with =='],
    ['an unquoted value', 'SUBSYSTEM==block', 'cannot read a KEY OPERATOR "value" pair'],
    ['a trailing comma', 'SUBSYSTEM=="block",', 'a trailing comma ends the rule'],
    ['a GOTO without its LABEL', 'SUBSYSTEM!="block", GOTO="nowhere"', 'GOTO "nowhere" has no LABEL after it'],
    ['a LABEL defined twice', 'LABEL="end"\nLABEL="end"', 'LABEL "end" is already defined on line 2'],
  ])('refuses %s', (_what, text, message) => {
    const parsed = parseUdevRules(`# test\n${text}\n`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.map((e) => e.message)).toContainEqual(expect.stringContaining(message));
  });

  it('reads continued lines and every operator udev has', () => {
    const parsed = parseUdevRules('KERNEL=="sd*", \\\n  ENV{A}+="x", ENV{B}-="y", ENV{C}:="z", SYMLINK+="disk/%k", RUN+="/bin/true"\n');
    expect(parsed.ok && parsed.value[0]?.pairs.map((p) => p.operator)).toEqual(['==', '+=', '-=', ':=', '+=', '+=']);
  });
});

type Decision = 'yes' | 'no' | 'not-handled';

/** Runs the polkit rules file as polkitd does (its rule functions called with an action and a subject). */
function polkitDecide(actionId: string, subject: { user: string; local: boolean; active: boolean }): Decision {
  const rules: ((action: { id: string }, subject: object) => Decision)[] = [];
  const polkit = {
    Result: { YES: 'yes', NO: 'no', NOT_HANDLED: 'not-handled' },
    addRule(rule: (action: { id: string }, subject: object) => Decision) {
      rules.push(rule);
    },
  };
  runInNewContext(readFileSync(join(ROOT_TREE, 'usr/share/polkit-1/rules.d/50-scrutin-kiosk.rules'), 'utf8'), { polkit });
  expect(rules).toHaveLength(1);
  return rules[0]?.({ id: actionId }, subject) ?? 'not-handled';
}

describe('the polkit rule', () => {
  const kiosk = { user: 'scrutin-kiosk', local: true, active: true };

  it('lets the active kiosk session mount and eject removable drives', () => {
    expect(polkitDecide('org.freedesktop.udisks2.filesystem-mount', kiosk)).toBe('yes');
    expect(polkitDecide('org.freedesktop.udisks2.eject-media', kiosk)).toBe('yes');
    expect(polkitDecide('org.freedesktop.udisks2.power-off-drive', kiosk)).toBe('yes');
    expect(polkitDecide('org.freedesktop.udisks2.filesystem-mount', { ...kiosk, active: false })).toBe('no');
  });

  it('refuses the kiosk every other udisks2 action, and leaves other users and services to the defaults', () => {
    for (const action of [
      'filesystem-mount-system',
      'filesystem-mount-other-seat',
      'encrypted-unlock',
      'modify-device',
      'loop-setup',
      'rescan',
    ])
      expect(polkitDecide(`org.freedesktop.udisks2.${action}`, kiosk)).toBe('no');
    expect(polkitDecide('org.freedesktop.udisks2.filesystem-mount', { ...kiosk, user: 'technicien' })).toBe('not-handled');
    expect(polkitDecide('org.freedesktop.login1.power-off', kiosk)).toBe('not-handled');
  });

  it('lets the active kiosk session set the clock and turn network time off through timedated, and nothing else it offers', () => {
    expect(polkitDecide('org.freedesktop.timedate1.set-time', kiosk)).toBe('yes');
    expect(polkitDecide('org.freedesktop.timedate1.set-ntp', kiosk)).toBe('yes');
    // Not from a session in the background, nor from afar.
    expect(polkitDecide('org.freedesktop.timedate1.set-time', { ...kiosk, active: false })).toBe('no');
    expect(polkitDecide('org.freedesktop.timedate1.set-time', { ...kiosk, local: false })).toBe('no');
    for (const action of ['set-timezone', 'set-local-rtc']) expect(polkitDecide(`org.freedesktop.timedate1.${action}`, kiosk)).toBe('no');
    // Other users keep timedated's defaults (an administrator's password).
    expect(polkitDecide('org.freedesktop.timedate1.set-time', { ...kiosk, user: 'technicien' })).toBe('not-handled');
  });
});
