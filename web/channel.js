// The page's link to the server: the websocket /channel, reconnected with back-off whenever the
// server goes away (a restart, a network hiccup), with the link's state reported to the page.

export function openChannel({ observe = false, onMessage, onState }) {
  let socket = null;
  let delay = 500;
  let closedByPage = false;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/channel${observe ? '?observe=1' : ''}`;

  const connect = () => {
    socket = new WebSocket(url);
    socket.onopen = () => {
      delay = 500;
      onState('online');
    };
    socket.onmessage = (e) => {
      try {
        onMessage(JSON.parse(e.data));
      } catch (err) {
        console.warn('message not understood', err);
      }
    };
    socket.onclose = () => {
      onState('offline');
      if (closedByPage) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
    socket.onerror = () => socket.close();
  };
  connect();
  return {
    send(message) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    close() {
      closedByPage = true;
      socket?.close();
    },
    /** A new connection at once: what a client may do is fixed when it connects (a control token just taken). */
    reconnect() {
      const old = socket;
      old.onclose = null;
      old.onerror = null;
      old.close();
      connect();
    },
  };
}

/** The server's clock (it may run faster in simulation), estimated from its last status. */
export function serverClock() {
  let base = { server: Date.now(), local: Date.now(), scale: 1 };
  return {
    sync(status) {
      base = { server: status.time, local: Date.now(), scale: status.time_scale || 1 };
    },
    now() {
      return base.server + (Date.now() - base.local) * base.scale;
    },
  };
}

export function setConnectionBadge(state) {
  const badge = document.getElementById('connection');
  if (!badge) return;
  badge.textContent = state === 'online' ? 'connected' : 'offline: reconnecting…';
  badge.className = `connection ${state}`;
  document.body.classList.toggle('offline', state !== 'online');
}
