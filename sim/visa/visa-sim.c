/*
 * A VISA library for tests: the subset of the VISA C API that hv-server's binding uses,
 * forwarding to the simulated instruments over TCP. There is no vendor VISA on development and
 * CI machines; with this library the same koffi binding that loads NI-VISA in the lab runs here.
 *
 *   TCPIP::host::port::SOCKET   connects to host:port
 *   GPIB0::N::INSTR             connects to the address in the environment variable
 *                               HV_VISA_SIM_GPIB_N ("host:port"), e.g. an hv-sim instrument port
 *
 * One source for both systems: POSIX sockets on Linux, Winsock on Windows (the visa64.dll that
 * test/windows/ loads under Wine in place of the vendor's).
 *
 * Build: cc -shared -fPIC -O2 -o libvisa-sim.so visa-sim.c -lpthread
 *        x86_64-w64-mingw32-gcc -shared -O2 -o visa64.dll visa-sim.c -lws2_32
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET socket_t;
#define NO_SOCKET INVALID_SOCKET
#define close_socket closesocket
#define poll_sockets WSAPoll
#define strncasecmp _strnicmp
#define strcasecmp _stricmp
#define VISA_EXPORT __declspec(dllexport)
typedef SRWLOCK lock_t;
#define LOCK_INIT SRWLOCK_INIT
#define lock(l) AcquireSRWLockExclusive(l)
#define unlock(l) ReleaseSRWLockExclusive(l)
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
typedef int socket_t;
#define NO_SOCKET (-1)
#define close_socket close
#define poll_sockets poll
#define VISA_EXPORT
typedef pthread_mutex_t lock_t;
#define LOCK_INIT PTHREAD_MUTEX_INITIALIZER
#define lock(l) pthread_mutex_lock(l)
#define unlock(l) pthread_mutex_unlock(l)
#endif

typedef int32_t ViStatus;
typedef uint32_t ViSession;
typedef uint32_t ViObject;
typedef uint32_t ViUInt32;
typedef uint32_t ViAttr;
typedef unsigned char ViByte;
#if defined(__LP64__) || defined(_WIN64)
typedef uint64_t ViAttrState; /* 64-bit on 64-bit systems, as in the vendors' visatype.h */
#else
typedef uint32_t ViAttrState;
#endif

#define VI_SUCCESS 0
#define VI_SUCCESS_TERM_CHAR 0x3FFF0005
#define VI_SUCCESS_MAX_CNT 0x3FFF0006
#define VI_ERROR_INV_OBJECT ((ViStatus)0xBFFF000E)
#define VI_ERROR_RSRC_NFOUND ((ViStatus)0xBFFF0011)
#define VI_ERROR_INV_RSRC_NAME ((ViStatus)0xBFFF0012)
#define VI_ERROR_TMO ((ViStatus)0xBFFF0015)
#define VI_ERROR_NSUP_ATTR ((ViStatus)0xBFFF001D)
#define VI_ERROR_IO ((ViStatus)0xBFFF003E)
#define VI_ERROR_CONN_LOST ((ViStatus)0xBFFF00A6)

#define VI_ATTR_TERMCHAR 0x3FFF0018
#define VI_ATTR_TERMCHAR_EN 0x3FFF0038
#define VI_ATTR_TMO_VALUE 0x3FFF001A
#define VI_ATTR_SEND_END_EN 0x3FFF0016

#define MAX_SESSIONS 64
#define RM_SESSION 1
#define BUFFER_SIZE 65536

struct session {
  int used;
  socket_t fd;
  uint32_t timeout_ms;
  unsigned char termchar;
  int termchar_en;
  unsigned char buffer[BUFFER_SIZE];
  size_t length;
};

static struct session sessions[MAX_SESSIONS];
static lock_t table_lock = LOCK_INIT;

static struct session *lookup(ViSession vi) {
  if (vi < 2 || vi >= MAX_SESSIONS + 2) return NULL;
  struct session *s = &sessions[vi - 2];
  return s->used ? s : NULL;
}

VISA_EXPORT ViStatus viOpenDefaultRM(ViSession *vi) {
#ifdef _WIN32
  /* Winsock counts its users; each resource manager opened is one more, never released (a test library). */
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return VI_ERROR_IO;
#endif
  *vi = RM_SESSION;
  return VI_SUCCESS;
}

static socket_t connect_to(const char *host, const char *port, uint32_t timeout_ms) {
  struct addrinfo hints = {0}, *found = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &found) != 0) return NO_SOCKET;
  socket_t fd = NO_SOCKET;
  for (struct addrinfo *a = found; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd == NO_SOCKET) continue;
#ifdef _WIN32
    DWORD tv = timeout_ms; /* Winsock takes milliseconds */
#else
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
#endif
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, (const void *)&tv, sizeof tv);
    if (connect(fd, a->ai_addr, (int)a->ai_addrlen) == 0) break;
    close_socket(fd);
    fd = NO_SOCKET;
  }
  freeaddrinfo(found);
  return fd;
}

/* "TCPIP::host::port::SOCKET" or "GPIB0::N::INSTR" -> host and port, or an error status. */
static ViStatus resolve(const char *name, char *host, size_t host_size, char *port, size_t port_size) {
  char copy[256];
  snprintf(copy, sizeof copy, "%s", name);
  if (strncasecmp(copy, "TCPIP", 5) == 0) {
    char *h = strstr(copy, "::");
    if (!h) return VI_ERROR_INV_RSRC_NAME;
    h += 2;
    char *p = strstr(h, "::");
    if (!p) return VI_ERROR_INV_RSRC_NAME;
    *p = 0;
    p += 2;
    char *end = strstr(p, "::");
    if (!end || strcasecmp(end, "::SOCKET") != 0) return VI_ERROR_INV_RSRC_NAME;
    *end = 0;
    snprintf(host, host_size, "%s", h);
    snprintf(port, port_size, "%s", p);
    return VI_SUCCESS;
  }
  if (strncasecmp(copy, "GPIB", 4) == 0) {
    char *a = strstr(copy, "::");
    if (!a) return VI_ERROR_INV_RSRC_NAME;
    int address = atoi(a + 2);
    char variable[64];
    snprintf(variable, sizeof variable, "HV_VISA_SIM_GPIB_%d", address);
    const char *target = getenv(variable);
    if (!target) return VI_ERROR_RSRC_NFOUND;
    const char *colon = strrchr(target, ':');
    if (!colon) return VI_ERROR_RSRC_NFOUND;
    snprintf(host, host_size, "%.*s", (int)(colon - target), target);
    snprintf(port, port_size, "%s", colon + 1);
    return VI_SUCCESS;
  }
  return VI_ERROR_INV_RSRC_NAME;
}

VISA_EXPORT ViStatus viOpen(ViSession rm, const char *name, ViUInt32 mode, ViUInt32 timeout, ViSession *vi) {
  (void)mode;
  if (rm != RM_SESSION) return VI_ERROR_INV_OBJECT;
  char host[128], port[16];
  ViStatus status = resolve(name, host, sizeof host, port, sizeof port);
  if (status != VI_SUCCESS) return status;
  socket_t fd = connect_to(host, port, timeout ? timeout : 2000);
  if (fd == NO_SOCKET) return VI_ERROR_RSRC_NFOUND;
  lock(&table_lock);
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (!sessions[i].used) {
      memset(&sessions[i], 0, sizeof sessions[i]);
      sessions[i].used = 1;
      sessions[i].fd = fd;
      sessions[i].timeout_ms = 2000;
      sessions[i].termchar = '\n';
      *vi = (ViSession)(i + 2);
      unlock(&table_lock);
      return VI_SUCCESS;
    }
  }
  unlock(&table_lock);
  close_socket(fd);
  return VI_ERROR_IO;
}

VISA_EXPORT ViStatus viClose(ViObject vi) {
  if (vi == RM_SESSION) return VI_SUCCESS;
  lock(&table_lock);
  struct session *s = lookup(vi);
  if (!s) {
    unlock(&table_lock);
    return VI_ERROR_INV_OBJECT;
  }
  close_socket(s->fd);
  s->used = 0;
  unlock(&table_lock);
  return VI_SUCCESS;
}

VISA_EXPORT ViStatus viSetAttribute(ViObject vi, ViAttr attribute, ViAttrState value) {
  struct session *s = lookup(vi);
  if (!s) return VI_ERROR_INV_OBJECT;
  switch (attribute) {
    case VI_ATTR_TMO_VALUE: s->timeout_ms = (uint32_t)value; return VI_SUCCESS;
    case VI_ATTR_TERMCHAR: s->termchar = (unsigned char)value; return VI_SUCCESS;
    case VI_ATTR_TERMCHAR_EN: s->termchar_en = value != 0; return VI_SUCCESS;
    case VI_ATTR_SEND_END_EN: return VI_SUCCESS;
    default: return VI_ERROR_NSUP_ATTR;
  }
}

/* What a failed send or recv means: the peer gone, a time-out, or anything else. */
static ViStatus socket_failure(void) {
#ifdef _WIN32
  int e = WSAGetLastError();
  if (e == WSAETIMEDOUT || e == WSAEWOULDBLOCK) return VI_ERROR_TMO;
  return (e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAESHUTDOWN) ? VI_ERROR_CONN_LOST : VI_ERROR_IO;
#else
  if (errno == EAGAIN || errno == EWOULDBLOCK) return VI_ERROR_TMO;
  return (errno == EPIPE || errno == ECONNRESET) ? VI_ERROR_CONN_LOST : VI_ERROR_IO;
#endif
}

VISA_EXPORT ViStatus viWrite(ViSession vi, const ViByte *data, ViUInt32 count, ViUInt32 *written) {
  struct session *s = lookup(vi);
  if (!s) return VI_ERROR_INV_OBJECT;
  size_t done = 0;
  while (done < count) {
#ifdef _WIN32
    int n = send(s->fd, (const char *)data + done, (int)(count - done), 0);
#else
    ssize_t n = send(s->fd, data + done, count - done, MSG_NOSIGNAL);
#endif
    if (n < 0) {
      if (written) *written = (ViUInt32)done;
      return socket_failure();
    }
    done += (size_t)n;
  }
  if (written) *written = (ViUInt32)done;
  return VI_SUCCESS;
}

/* A monotonic millisecond count: a read's deadline must not move with the wall clock. */
static uint64_t now_ms(void) {
#ifdef _WIN32
  return GetTickCount64();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
#endif
}

/* Takes up to `count` buffered bytes, ending at the termination character when it is enabled. */
static int take(struct session *s, ViByte *out, ViUInt32 count, ViUInt32 *taken, ViStatus *status) {
  if (s->termchar_en) {
    unsigned char *end = memchr(s->buffer, s->termchar, s->length);
    if (end) {
      size_t n = (size_t)(end - s->buffer) + 1;
      if (n <= count) {
        memcpy(out, s->buffer, n);
        memmove(s->buffer, s->buffer + n, s->length - n);
        s->length -= n;
        *taken = (ViUInt32)n;
        *status = VI_SUCCESS_TERM_CHAR;
        return 1;
      }
    }
  }
  if (s->length >= count) {
    memcpy(out, s->buffer, count);
    memmove(s->buffer, s->buffer + count, s->length - count);
    s->length -= count;
    *taken = count;
    *status = VI_SUCCESS_MAX_CNT;
    return 1;
  }
  return 0;
}

VISA_EXPORT ViStatus viRead(ViSession vi, ViByte *out, ViUInt32 count, ViUInt32 *read_count) {
  struct session *s = lookup(vi);
  if (!s) return VI_ERROR_INV_OBJECT;
  uint64_t deadline = now_ms() + s->timeout_ms;
  ViUInt32 taken = 0;
  ViStatus status = VI_SUCCESS;
  for (;;) {
    if (take(s, out, count, &taken, &status)) {
      if (read_count) *read_count = taken;
      return status;
    }
    uint64_t now = now_ms();
    if (now >= deadline) {
      if (read_count) *read_count = 0;
      return VI_ERROR_TMO;
    }
#ifdef _WIN32
    WSAPOLLFD p = {s->fd, POLLIN, 0};
#else
    struct pollfd p = {s->fd, POLLIN, 0};
#endif
    int ready = poll_sockets(&p, 1, (int)(deadline - now));
    if (ready == 0) continue;
    if (ready < 0) return VI_ERROR_IO;
    int n = (int)recv(s->fd, (char *)s->buffer + s->length, (int)(BUFFER_SIZE - s->length), 0);
    if (n == 0) {
      if (read_count) *read_count = 0;
      return VI_ERROR_CONN_LOST;
    }
    if (n < 0) {
      if (read_count) *read_count = 0;
      ViStatus failure = socket_failure();
      return failure == VI_ERROR_TMO ? VI_ERROR_IO : failure;
    }
    s->length += (size_t)n;
  }
}

VISA_EXPORT ViStatus viClear(ViSession vi) {
  struct session *s = lookup(vi);
  if (!s) return VI_ERROR_INV_OBJECT;
  s->length = 0;
  return VI_SUCCESS;
}

VISA_EXPORT ViStatus viStatusDesc(ViObject vi, ViStatus status, char *description) {
  (void)vi;
  const char *text;
  switch (status) {
    case VI_SUCCESS: text = "VI_SUCCESS: Operation completed successfully."; break;
    case VI_SUCCESS_TERM_CHAR: text = "VI_SUCCESS_TERM_CHAR: The specified termination character was read."; break;
    case VI_SUCCESS_MAX_CNT: text = "VI_SUCCESS_MAX_CNT: The number of bytes read is equal to the input count."; break;
    case VI_ERROR_INV_OBJECT: text = "VI_ERROR_INV_OBJECT: The given session or object reference is invalid."; break;
    case VI_ERROR_RSRC_NFOUND: text = "VI_ERROR_RSRC_NFOUND: Insufficient location information or resource not present in the system."; break;
    case VI_ERROR_INV_RSRC_NAME: text = "VI_ERROR_INV_RSRC_NAME: Invalid resource reference specified. Parsing error."; break;
    case VI_ERROR_TMO: text = "VI_ERROR_TMO: Timeout expired before operation completed."; break;
    case VI_ERROR_NSUP_ATTR: text = "VI_ERROR_NSUP_ATTR: The specified attribute is not defined or supported by the referenced session."; break;
    case VI_ERROR_IO: text = "VI_ERROR_IO: Could not perform operation because of I/O error."; break;
    case VI_ERROR_CONN_LOST: text = "VI_ERROR_CONN_LOST: The connection for the given session has been lost."; break;
    default: text = "Unknown status code."; break;
  }
  snprintf(description, 256, "%s", text);
  return VI_SUCCESS;
}
