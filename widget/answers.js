// Thumbs under a bot answer and an action's confirm card, fetched by
// boot.js with the first answer that has them (so a page where nobody asks
// anything never downloads them):
//
//   h.rate(el, url, conversation_id, message_id, rating, [yes, no, thanks])
//     (boot.js's h.thumbs) draws the thumbs into el and sends a rating.
//   h.confirm(el, url, conversation_id, token, [yes, no]) → Promise<[status, body]>
//     (boot.js's h.card) draws the card's buttons into el.
((h) => {
  // A thumb, drawn: an emoji needs a font the visitor may not have (headless
  // and minimal systems show an empty box). Thumbs down is the same turned
  // over (widget.css). The path is Material Icons' thumb_up (Apache-2.0).
  const SVG = 'http://www.w3.org/2000/svg';
  const thumb = () => {
    const svg = document.createElementNS(SVG, 'svg');
    const path = document.createElementNS(SVG, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    path.setAttribute('d', 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z');
    svg.append(path);
    return svg;
  };

  // Thumbs up/down for bot message messageId, drawn into el: sends the rating
  // (POST url), shows it pressed and thanks; a failed send puts the previous
  // state back. rating: true (up), false (down) or undefined.
  h.rate = (el, url, conversation_id, message_id, rating, [yes, no, thanks]) => {
    const status = document.createElement('span');
    status.className = 'fd-thanks';
    status.setAttribute('role', 'status');
    const buttons = [[true, yes], [false, no]].map(([up, label]) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'fd-thumb';
      b.append(thumb());
      b.setAttribute('aria-label', label);
      b.onclick = async () => {
        const before = rating;
        set(up);
        try {
          const [code] = await h.call('POST', url, { conversation_id, message_id, rating: up ? 'up' : 'down' });
          if (code != 200) throw code;
          status.textContent = thanks;
        } catch {
          set(before);
        }
      };
      return [up, b];
    });
    const set = (value) => {
      rating = value;
      for (const [up, b] of buttons) b.setAttribute('aria-pressed', String(value === up));
    };
    set(rating);
    el.append(...buttons.map(([, b]) => b), status);
  };

  // A confirm card's buttons (labels: confirm, cancel), drawn into el: the
  // first press disables both and POSTs url {conversation_id, token, accept}
  // (with the page's identity, as chat turns). Resolves with [status, body].
  h.confirm = (el, url, conversation_id, token, [yes, no]) => new Promise((resolve) => {
    const buttons = [[true, yes, 'fd-send'], [false, no, 'fd-human']].map(([accept, label, className]) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = className;
      b.textContent = label;
      b.onclick = async () => {
        for (const x of buttons) x.disabled = true;
        resolve(await h.call('POST', url, { conversation_id, token, accept }).catch(() => [0, null]));
      };
      return b;
    });
    el.append(...buttons);
  });
})(window.__frontdesk);
