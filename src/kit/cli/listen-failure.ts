// The one sentence that ends a start when Online's port cannot be listened on, the same whichever
// process tried: the supervising process binding it first, or the server binding it alone.

/** `where`: "host:port", or what holds the socket. Exit 1 follows: a service manager may try again once the port is free. */
export function cannotListen(name: string, where: string, err: NodeJS.ErrnoException): string {
  return `${name}: cannot listen for Online on ${where} (${err.code ?? err.message})${err.code === 'EADDRINUSE' ? '; is another server running?' : ''}\n`;
}
