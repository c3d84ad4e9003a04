import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALLERS_DIR, readBuilderConfig } from './builder_config.ts';
import { run } from './run.ts';

/**
 * The Windows kiosk configuration: Shell Launcher v2 (installers/windows/ShellLauncher.xml)
 * must start the executable the NSIS installer puts in place, for an account Windows signs in
 * automatically. Checked with xmllint (well-formed, then each element by XPath); Windows
 * itself is not available here.
 */
const XML = join(INSTALLERS_DIR, 'windows/ShellLauncher.xml');
const SCRIPT = join(INSTALLERS_DIR, 'windows/Install-ScrutinKiosk.ps1');
const { getWindowsInstallationDirName } = createRequire(import.meta.url)(
  'app-builder-lib/out/targets/targetUtil.js',
) as typeof import('app-builder-lib/out/targets/targetUtil.js');

async function xpath(expression: string): Promise<string> {
  const ran = await run('xmllint', ['--xpath', expression, XML]);
  if (ran.status !== 0) throw new Error(`xmllint --xpath ${expression}: ${ran.stderr}`);
  return ran.stdout.trim();
}
const el = (path: string) =>
  path
    .split('/')
    .map((name) => (name === '' ? '' : `*[local-name()='${name}']`))
    .join('/');

describe('the Shell Launcher configuration', () => {
  it('is well-formed XML in the Shell Launcher namespaces', async () => {
    expect((await run('xmllint', ['--noout', XML])).status).toBe(0);
    expect(await xpath(`namespace-uri(/*)`)).toBe('http://schemas.microsoft.com/ShellLauncher/2018/Configuration');
    expect(await xpath(`local-name(/*)`)).toBe('ShellLauncherConfiguration');
  });

  it('starts the installed Scrutin Station full screen, and starts it again after a crash', async () => {
    const config = readBuilderConfig();
    // Where NSIS installs a per-machine app (electron-builder's own rule for the folder name).
    // (It reads these two names of electron-builder's AppInfo.)
    const appInfo: unknown = { productFilename: config.win.executableName, sanitizedName: config.extraMetadata.name };
    const folder = getWindowsInstallationDirName(appInfo as Parameters<typeof getWindowsInstallationDirName>[0], true);
    const shell = `%ProgramFiles%\\${folder}\\${config.win.executableName}.exe`;
    const profile = el('/ShellLauncherConfiguration/Profiles/Profile');
    expect(await xpath(`string(${profile}/${el('Shell')}/@Shell)`)).toBe(shell);
    expect(await xpath(`string(${profile}/${el('Shell')}/@*[local-name()='AppType'])`)).toBe('Desktop');
    expect(await xpath(`string(${profile}/${el('Shell')}/@*[local-name()='AllAppsFullScreen'])`)).toBe('true');
    expect(await xpath(`string(${profile}/${el('Shell')}/${el('DefaultAction')}/@Action)`)).toBe('RestartShell');
    expect(
      await xpath(`string(${profile}/${el('Shell')}/${el('ReturnCodeActions')}/${el('ReturnCodeAction')}[@ReturnCode='0']/@Action)`),
    ).toBe('ShutdownDevice');
    expect(readFileSync(SCRIPT, 'utf8')).toContain(`Join-Path $env:ProgramFiles '${folder}\\${config.win.executableName}.exe'`);
  });

  it('gives that profile to the account Windows signs in automatically, and Explorer to everyone else', async () => {
    const profileId = await xpath(`string(${el('/ShellLauncherConfiguration/Profiles/Profile')}/@Id)`);
    expect(profileId).toMatch(/^\{[0-9A-F]{8}-([0-9A-F]{4}-){3}[0-9A-F]{12}\}$/);
    const config = el('/ShellLauncherConfiguration/Configs/Config');
    expect(await xpath(`count(${config})`)).toBe('1');
    expect(await xpath(`count(${config}/${el('AutoLogonAccount')})`)).toBe('1');
    expect(await xpath(`string(${config}/${el('Profile')}/@Id)`)).toBe(profileId);
    expect(await xpath(`string(${el('/ShellLauncherConfiguration/Profiles/DefaultProfile/Shell')}/@Shell)`)).toBe(
      '%SystemRoot%\\explorer.exe',
    );
  });

  it('is applied by a script that refuses an installation whose signature is not valid', () => {
    const script = readFileSync(SCRIPT, 'utf8');
    expect(script).toContain("Join-Path $PSScriptRoot 'ShellLauncher.xml'");
    expect(script).toMatch(/Get-AuthenticodeSignature[\s\S]*-ne 'Valid'[\s\S]*throw/);
    expect(script).toContain("-ClassName 'MDM_AssignedAccess'");
  });
});
