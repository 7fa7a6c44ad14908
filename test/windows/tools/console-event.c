/*
 * Delivers a console control event to one process, for the Windows tests under Wine
 * (test/windows/): Ctrl+Break and closing the console window, which Wine 8 cannot send the
 * usual way (GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT) fails with error 6, and closing a console
 * ends its processes without CTRL_CLOSE_EVENT). Windows itself delivers each event by starting a
 * thread in the process at kernelbase!CtrlRoutine with the event as its argument; this does the
 * same with CreateRemoteThread, so the process's own handlers run as they would on Windows
 * (Node: SIGINT, SIGBREAK, SIGHUP).
 *
 *   console-event.exe <pid> c|break|close
 *
 * Prints "sent <event> to <pid> at <tick>" (GetTickCount64(), the count service-launcher.exe prints)
 * and exits 0 once the thread is started: it does not wait, as a close handler may never return.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: console-event.exe <pid> c|break|close\n");
    return 2;
  }
  DWORD pid = (DWORD)strtoul(argv[1], NULL, 10);
  DWORD event;
  if (strcmp(argv[2], "c") == 0) event = CTRL_C_EVENT;
  else if (strcmp(argv[2], "break") == 0) event = CTRL_BREAK_EVENT;
  else if (strcmp(argv[2], "close") == 0) event = CTRL_CLOSE_EVENT;
  else {
    fprintf(stderr, "console-event: event \"%s\"; expected c, break or close\n", argv[2]);
    return 2;
  }
  /* kernelbase is mapped at the same address in every process, so its address here is its address there. */
  FARPROC routine = GetProcAddress(GetModuleHandleW(L"kernelbase.dll"), "CtrlRoutine");
  if (!routine) {
    fprintf(stderr, "console-event: kernelbase!CtrlRoutine not found (error %lu)\n", GetLastError());
    return 1;
  }
  HANDLE process = OpenProcess(PROCESS_CREATE_THREAD | PROCESS_QUERY_INFORMATION | PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_VM_READ, FALSE, pid);
  if (!process) {
    fprintf(stderr, "console-event: cannot open process %lu (error %lu)\n", pid, GetLastError());
    return 1;
  }
  HANDLE thread = CreateRemoteThread(process, NULL, 0, (LPTHREAD_START_ROUTINE)(void *)routine, (LPVOID)(ULONG_PTR)event, 0, NULL);
  if (!thread) {
    fprintf(stderr, "console-event: cannot start a thread in process %lu (error %lu)\n", pid, GetLastError());
    return 1;
  }
  printf("sent %s to %lu at %llu\n", argv[2], pid, GetTickCount64());
  return 0;
}
