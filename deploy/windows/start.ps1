# Runs hv-server by hand in this console (the service stopped first), as the service would run it.
# Ctrl+C stops it cleanly: commands in flight are answered, readings flushed, the outputs keep their voltage.
#   powershell -ExecutionPolicy Bypass -File start.ps1 [-Config C:\hv-server\rack.yaml] [-Sim]
param(
  [string]$Root = 'C:\hv-server',
  [string]$Config = "$Root\rack.yaml",
  [switch]$Sim
)
$ErrorActionPreference = 'Stop'
$server = "$Root\app\node_modules\hv-server\bin\hv-server.js"
$arguments = @($server, '--config', $Config, '--data-dir', "$Root\data")
if ($Sim) { $arguments += '--sim' }
& node @arguments
exit $LASTEXITCODE
