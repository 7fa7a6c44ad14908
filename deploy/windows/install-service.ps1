# Installs hv-server as a Windows service with WinSW. Run in an elevated PowerShell:
#   powershell -ExecutionPolicy Bypass -File install-service.ps1 -WinSW C:\Downloads\WinSW-x64.exe
# Download WinSW-x64.exe from https://github.com/winsw/winsw/releases (v2.12 or later) first:
# this script does not fetch executables from the internet.
param(
  [Parameter(Mandatory = $true)][string]$WinSW,
  [string]$Root = 'C:\hv-server',
  [string]$Tarball = ''   # an hv-server-x.y.z.tgz from `npm pack`; empty: from the npm registry
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $Root, "$Root\data", "$Root\app" | Out-Null

# The package, into its own prefix so the service does not depend on a user's %APPDATA%.
$package = if ($Tarball) { $Tarball } else { 'hv-server' }
npm install -g --prefix "$Root\app" $package
if ($LASTEXITCODE -ne 0) { throw "npm install failed ($LASTEXITCODE)" }

if (-not (Test-Path "$Root\rack.yaml")) {
  Copy-Item "$Root\app\node_modules\hv-server\examples\rack.yaml" "$Root\rack.yaml"
  Write-Host "Copied examples\rack.yaml to $Root\rack.yaml: set the serial port (ASRL3::INSTR for COM3) and Online's address, then run this script again."
  exit 1
}
# Refuses a wrong address before the service ever starts; changes no output.
& node "$Root\app\node_modules\hv-server\bin\hv-server.js" check-config "$Root\rack.yaml"
if ($LASTEXITCODE -ne 0) { throw "check-config failed ($LASTEXITCODE): fix rack.yaml first" }

Copy-Item $WinSW "$Root\hv-server-service.exe" -Force
Copy-Item (Join-Path $PSScriptRoot 'hv-server-service.xml') "$Root\hv-server-service.xml" -Force
& "$Root\hv-server-service.exe" install
& "$Root\hv-server-service.exe" start

# Online's port from Online's host only; the pages from the lab network. Edit the addresses.
New-NetFirewallRule -DisplayName 'hv-server Online (TCP 5555)' -Direction Inbound -Protocol TCP -LocalPort 5555 -RemoteAddress 192.168.1.20 -Action Allow -ErrorAction SilentlyContinue | Out-Null
New-NetFirewallRule -DisplayName 'hv-server pages (TCP 8080)' -Direction Inbound -Protocol TCP -LocalPort 8080 -RemoteAddress LocalSubnet -Action Allow -ErrorAction SilentlyContinue | Out-Null
Write-Host "hv-server is installed and started; status: $Root\hv-server-service.exe status; readiness: http://127.0.0.1:8080/readyz"
