<#
.SYNOPSIS
  Makes this Windows machine a Scrutin Station kiosk (after the NSIS installer has run).

.DESCRIPTION
  Run once, from an elevated PowerShell, as SYSTEM (the Shell Launcher WMI bridge accepts
  only SYSTEM), for example with Sysinternals PsExec:
      psexec.exe -i -s powershell.exe -ExecutionPolicy Bypass -File Install-ScrutinKiosk.ps1
  It
    1. checks that Scrutin Station is installed where ShellLauncher.xml expects it;
    2. enables the Shell Launcher and Keyboard Filter features (Enterprise, Education,
       IoT Enterprise);
    3. applies ShellLauncher.xml: a "Kiosk" account, signed in automatically, whose shell
       is Scrutin Station, full screen;
    4. blocks the key combinations that leave an app (Ctrl+Alt+Delete, Alt+Tab, Alt+F4,
       the Windows key...) for every account but administrators;
    5. keeps the display and the machine awake on mains power.
  Reboot afterwards. docs/technicians.md describes the whole procedure and how to undo it.
#>
[CmdletBinding()]
param(
  [string] $Configuration = (Join-Path $PSScriptRoot 'ShellLauncher.xml')
)
$ErrorActionPreference = 'Stop'

$app = Join-Path $env:ProgramFiles 'ScrutinStation\ScrutinStation.exe'
if (-not (Test-Path -LiteralPath $app)) {
  throw "Scrutin Station is not installed at ${app}: run its installer first (per machine)."
}
$signature = Get-AuthenticodeSignature -LiteralPath $app
if ($signature.Status -ne 'Valid') {
  throw "The Authenticode signature of $app is not valid ($($signature.Status)): do not use this build."
}

foreach ($feature in 'Client-EmbeddedShellLauncher', 'Client-KeyboardFilter') {
  $state = Get-WindowsOptionalFeature -Online -FeatureName $feature
  if ($state.State -ne 'Enabled') {
    Enable-WindowsOptionalFeature -Online -FeatureName $feature -All -NoRestart | Out-Null
    Write-Output "Enabled $feature"
  }
}

$xml = Get-Content -LiteralPath $Configuration -Raw
[xml] $xml | Out-Null  # refuses a file that is not XML before it reaches Windows
$bridge = Get-CimInstance -Namespace 'root\cimv2\mdm\dmmap' -ClassName 'MDM_AssignedAccess'
$bridge.ShellLauncher = [System.Net.WebUtility]::HtmlEncode($xml)
Set-CimInstance -CimInstance $bridge
Write-Output 'Shell Launcher configuration applied (the Kiosk account signs in at the next boot).'

# Keyboard Filter: in effect once the feature is enabled (after the reboot for a new install).
$blocked = 'Ctrl+Alt+Delete', 'Ctrl+Shift+Esc', 'Ctrl+Esc', 'Alt+Tab', 'Alt+Esc', 'Alt+F4', 'Alt+Space', 'Windows', 'Win+L'
try {
  foreach ($id in $blocked) {
    $key = Get-CimInstance -Namespace 'root\standardcimv2\embedded' -ClassName 'WEKF_PredefinedKey' -Filter "Id='$id'"
    if ($null -eq $key) {
      Write-Warning "Keyboard Filter has no predefined key '$id'"
      continue
    }
    Set-CimInstance -InputObject $key -Property @{ Enabled = $true }
  }
  Write-Output 'Keyboard Filter rules set.'
} catch {
  Write-Warning "Keyboard Filter is not active yet: run this script again after the reboot. ($($_.Exception.Message))"
}

# Awake on mains power: no display timeout, no sleep, no hibernation.
powercfg /change monitor-timeout-ac 0
powercfg /change standby-timeout-ac 0
powercfg /hibernate off
Write-Output 'Done: reboot to start the kiosk.'
