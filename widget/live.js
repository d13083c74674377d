// The live connection to a conversation (issue 19), fetched by boot.js only
// once the conversation has a ticket (the first wait for an agent's reply),
// so it costs nothing before then. One WebSocket to the worker's
// /api/v1/conversations/{id}/live (a Durable Object per conversation, idle
// connections hibernate): agent replies arrive as they are stored, "an agent
// is typing" and "an agent has joined" are shown, and the visitor's typing
// is told to the agent, and each reply it receives is acknowledged (`seen`)
// so the worker does not e-mail it. When a socket cannot be opened (a
// proxy, a blocked port), boot.js long polls instead, as before.
//
//   h.liveNext(url, after) → Promise<[200, 0, replies] | null>
//     url: the long poll's …/replies URL; after: the last reply id seen.
//     Resolves with the replies after `after` as soon as there are any (or
//     [200, 0, []] after 20 s, so the widget looks at the page again), and
//     with null when no live connection can be had (poll instead).
//   h.liveStop()   closes it (the conversation is gone or forgotten); a wait
//     in progress resolves with [0, 0] (stopped).
//
// A reconnecting socket asks for the replies after the last id it saw, so
// nothing is missed; the widget shows each id once.
((h) => {
  let ws = null;
  let at = '';
  let opened = 0;
  let failures = 0;
  let queue = [];
  let wake = () => {};
  let typingLine = null;
  let typingTimer = 0;
  let sentTyping = 0;
  const words = () => h.words || {};

  // A status line above the composer, polite for screen readers; made once.
  const say = (text, ms) => {
    if (!text && !typingLine) return;
    if (!typingLine) {
      typingLine = document.createElement('p');
      typingLine.className = 'fd-live';
      typingLine.setAttribute('role', 'status');
      // Styled through the CSSOM (a strict style-src allows it), so the
      // panel's stylesheet in app.js stays as it is.
      // Empty, it takes no room.
      typingLine.style.cssText = 'margin:0;padding:0 12px;font-size:12px;line-height:1.5;opacity:.75';
      const form = h.root.querySelector('.fd-composer');
      form?.parentNode.insertBefore(typingLine, form);
    }
    typingLine.textContent = text;
    clearTimeout(typingTimer);
    if (ms) typingTimer = setTimeout(() => (typingLine.textContent = ''), ms);
  };

  // The visitor's typing, at most every 2 s, while a socket is open.
  h.root.addEventListener('input', (e) => {
    const now = Date.now();
    if (ws?.readyState === 1 && e.target.matches?.('.fd-composer textarea') && now - sentTyping > 2000) {
      sentTyping = now;
      ws.send('{"type":"typing"}');
    }
  });

  const open = (url, after) => {
    const u = new URL(url.replace(/\/replies$/, '/live'), location.href);
    u.protocol = u.protocol == 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('after', after);
    opened = 0;
    const socket = (ws = new WebSocket(u));
    socket.onopen = () => (opened = Date.now());
    socket.onmessage = (e) => {
      let event;
      try {
        event = JSON.parse(e.data);
      } catch {
        return;
      }
      if (event.type == 'message' && event.message?.role == 'agent') {
        say('');
        queue.push(h.file(event.message));
        // Shown here: the worker does not e-mail it (replies by e-mail).
        socket.send(JSON.stringify({ type: 'seen', id: event.message.id }));
        wake();
      } else if (event.type == 'typing' && event.from == 'agent') {
        say(words().typing || 'An agent is typing…', 4000);
      } else if (event.type == 'joined') {
        say(words().joined || 'An agent has joined the conversation.', 8000);
      }
    };
    // A socket that never opens, or closes within 5 s, counts as a
    // failure; two in a row and the widget long polls from then on.
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null;
      failures = !opened || Date.now() - opened < 5000 ? failures + 1 : 0;
      wake();
    };
  };

  h.liveNext = (url, after) => {
    if (failures >= 2) return Promise.resolve(null);
    // Another conversation (the last one was forgotten): its own socket.
    if (url != at) h.liveStop();
    at = url;
    if (!ws) open(url, after);
    return new Promise((resolve) => {
      const done = (value) => {
        clearTimeout(timer);
        wake = () => {};
        resolve(value);
      };
      const timer = setTimeout(() => done([200, 0, []]), 20000);
      wake = (stopped) => {
        if (stopped) return done(stopped);
        const fresh = queue.filter((m) => m.id > after);
        queue = [];
        if (fresh.length) done([200, 0, fresh]);
        // Closed: null if it never opened (poll this time), else an empty
        // answer, and the next call connects again from the last id.
        else if (!ws) done(opened && failures < 2 ? [200, 0, []] : null);
      };
      wake();
    });
  };

  // Closes the socket; a wait in progress resolves as stopped ([0, 0]).
  h.liveStop = () => {
    const socket = ws;
    ws = null;
    at = '';
    queue = [];
    socket?.close();
    wake([0, 0]);
  };
})(window.__frontdesk);
