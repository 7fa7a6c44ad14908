// Ends a command started through a shell together with everything it started. On POSIX the
// child leads its own process group (spawned detached), so the group is killed. On Windows there
// are no process groups and killing cmd.exe leaves its child (rclone) running and holding files:
// taskkill /T ends the whole tree.

import { spawn, type ChildProcess } from 'node:child_process';

export function killTree(child: ChildProcess, platform: NodeJS.Platform = process.platform): void {
  if (child.pid === undefined) return;
  if (platform === 'win32') {
    const taskkill = spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' });
    // taskkill missing, refused, or not understanding /T (Wine 8's knows only /f, /im and /pid):
    // at least the shell goes. Before, a taskkill that ran and failed left the shell running.
    taskkill.on('error', () => child.kill('SIGKILL'));
    taskkill.on('exit', (code) => {
      if (code !== 0) child.kill('SIGKILL');
    });
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
