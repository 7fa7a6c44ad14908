/*
 * Starts a console program and stops it the way WinSW stops a service, for the Windows tests
 * under Wine (test/windows/). It stands in for WinSW: the one that could be had here (node-windows's
 * winsw.exe, WinSW 1.17) is a .NET Framework program, and Wine without Wine Mono (which Debian does
 * not package) cannot run it. The real PC runs WinSW itself.
 *
 *   service-launcher.exe <console-log> <stop-timeout-ms> -- <program> [arguments...]
 *
 * Like WinSW: the program's stdout and stderr go through a pipe into <console-log> (WinSW's
 * *.out.log), stdin is NUL, and the program gets a console of its own without a window
 * (CREATE_NO_WINDOW; no CREATE_NEW_PROCESS_GROUP, which would make it ignore Ctrl+C). A line on
 * the launcher's stdin asks for the stop: "ctrl-c" attaches to the program's console, ignores
 * Ctrl+C itself and sends CTRL_C_EVENT to the console (as WinSW's SigIntHelper does), then waits
 * up to <stop-timeout-ms> and ends the program if it is still running, as WinSW does; "wait" only
 * waits as long (console-event.exe sends the event). The launcher reports on stdout, one line each:
 *   started <pid>
 *   stop-sent ctrl-c           (or ctrl-c-failed <what> <error>)
 *   killed <ms>                (still running <ms> after the stop request: TerminateProcess)
 *   exited <code> <ms> <tick>  (<ms> after the stop request; <tick>: GetTickCount64() then, the
 *                               same count console-event.exe prints)
 * and exits with the program's exit code.
 */
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static HANDLE log_file;

static void report(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vprintf(format, args);
  va_end(args);
  printf("\n");
  fflush(stdout);
}

/* Copies the program's console output into the log file, as WinSW's log appender does. */
static DWORD WINAPI copy_output(LPVOID pipe) {
  char buffer[4096];
  DWORD n, written;
  while (ReadFile((HANDLE)pipe, buffer, sizeof buffer, &n, NULL) && n > 0) {
    WriteFile(log_file, buffer, n, &written, NULL);
    FlushFileBuffers(log_file);
  }
  return 0;
}

/* The command line after " -- ", as Wine or the Windows shell quoted it. */
static wchar_t *program_command_line(void) {
  wchar_t *line = GetCommandLineW();
  wchar_t *marker = wcsstr(line, L" -- ");
  return marker ? marker + 4 : NULL;
}

int wmain(int argc, wchar_t **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: service-launcher.exe <console-log> <stop-timeout-ms> -- <program> [arguments...]\n");
    return 2;
  }
  DWORD stop_timeout = (DWORD)_wtoi(argv[2]);
  wchar_t *command = program_command_line();
  if (!command) {
    fprintf(stderr, "service-launcher: expected \" -- \" before the program\n");
    return 2;
  }
  SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
  log_file = CreateFileW(argv[1], GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (log_file == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "service-launcher: cannot create the console log (error %lu)\n", GetLastError());
    return 2;
  }
  HANDLE read_end, write_end;
  if (!CreatePipe(&read_end, &write_end, &inherit, 0)) {
    fprintf(stderr, "service-launcher: cannot create a pipe (error %lu)\n", GetLastError());
    return 2;
  }
  SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
  HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);

  STARTUPINFOW si = {0};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = nul;
  si.hStdOutput = write_end;
  si.hStdError = write_end;
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(NULL, command, NULL, NULL, TRUE, CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT, NULL, NULL, &si, &pi)) {
    fprintf(stderr, "service-launcher: cannot start the program (error %lu)\n", GetLastError());
    return 2;
  }
  CloseHandle(write_end);
  CloseHandle(nul);
  HANDLE copier = CreateThread(NULL, 0, copy_output, read_end, 0, NULL);
  report("started %lu", pi.dwProcessId);

  /* The stop request: one line on stdin (or stdin closed, taken as "wait"). */
  char request[64] = "wait";
  if (!fgets(request, sizeof request, stdin)) strcpy(request, "wait");
  request[strcspn(request, "\r\n")] = 0;

  ULONGLONG stopped_at = GetTickCount64();
  if (strcmp(request, "ctrl-c") == 0) {
    /* WinSW's SigIntHelper: the launcher has no console of its own as a service; here it may. */
    FreeConsole();
    if (AttachConsole(pi.dwProcessId)) {
      SetConsoleCtrlHandler(NULL, TRUE);
      if (GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) report("stop-sent ctrl-c");
      else report("stop-sent ctrl-c-failed %lu", GetLastError());
    } else {
      report("stop-sent ctrl-c-failed attach %lu", GetLastError());
    }
  }
  DWORD waited = WaitForSingleObject(pi.hProcess, stop_timeout);
  ULONGLONG ended_at = GetTickCount64();
  ULONGLONG elapsed = ended_at - stopped_at;
  if (strcmp(request, "ctrl-c") == 0) {
    FreeConsole();
    SetConsoleCtrlHandler(NULL, FALSE);
  }
  if (waited == WAIT_TIMEOUT) {
    TerminateProcess(pi.hProcess, 1);
    WaitForSingleObject(pi.hProcess, INFINITE);
    report("killed %llu", elapsed);
  }
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  WaitForSingleObject(copier, 5000);
  report("exited %lu %llu %llu", code, elapsed, ended_at);
  CloseHandle(log_file);
  return (int)code;
}
