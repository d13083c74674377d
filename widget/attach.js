// Attachments (issue 19), fetched by boot.js the first time a visitor picks a
// file with the composer's "+" button, pastes one (a screenshot) or drops one
// on the panel; nothing of it loads before.
//
//   h.attach(files)   uploads each file (at most 10 at a time) to the
//     conversation: POST …/conversations/{id}/attachments?name=…, the bytes
//     as the body. The worker decides what a file is from its bytes (images
//     and PDFs, at most 5 MB, 10 per conversation) and stores it with a
//     "📎 name" message that agents see with the file. A status line above
//     the composer says what happened, in the visitor's language.
((h) => {
  const MAX_BYTES = 5 * 1024 * 1024;
  let line = null;
  const words = () => h.words || {};
  const t = (key, english, name = '') => (words()[key] || english).replace('{name}', name);

  // A status line above the composer, polite for screen readers; made once.
  const say = (text) => {
    if (!line || !line.isConnected) {
      line = document.createElement('p');
      line.className = 'fd-attached';
      line.setAttribute('role', 'status');
      // Styled through the CSSOM (a strict style-src allows it).
      line.style.cssText = 'margin:0;padding:0 14px;font-size:12px;line-height:1.5;opacity:.8';
      const form = h.root.querySelector('.fd-composer');
      form?.parentNode.insertBefore(line, form);
    }
    line.textContent = text;
  };

  const upload = (file, name) =>
    fetch(
      h.base + 'api/v1/conversations/' + encodeURIComponent(h.conv) + '/attachments?name=' + encodeURIComponent(name),
      {
        method: 'POST',
        body: file,
        headers: { 'content-type': 'application/octet-stream', ...(h.data.site ? { 'x-frontdesk-site': h.data.site } : {}) },
        cache: 'no-store',
      },
    );

  h.attach = async (files) => {
    if (!h.conv) return say(t('attach_first', 'Write your question first, then attach a file.'));
    for (const file of files.slice(0, 10)) {
      const name = file.name || 'attachment';
      if (file.size > MAX_BYTES) {
        say(t('attach_size', '{name} is larger than 5 MB.', name));
        continue;
      }
      say(t('uploading', 'Uploading {name}…', name));
      let res = null;
      try {
        res = await upload(file, name);
      } catch {}
      const body = res && (await res.json().catch(() => null));
      if (res?.ok) {
        say(t('attached', 'Attached: {name}', body?.name || name));
        continue;
      }
      const code = body?.error?.code;
      say(
        code == 'unsupported_media_type'
          ? t('attach_type', '{name}: only images (PNG, JPEG, GIF, WebP) and PDFs can be attached.', name)
          : code == 'payload_too_large'
            ? t('attach_size', '{name} is larger than 5 MB.', name)
            : code == 'too_many_attachments'
              ? t('attach_many', 'This conversation already holds as many files as it can.')
              : t('attach_failed', '{name} could not be uploaded. Try again.', name),
      );
      if (code == 'too_many_attachments') break;
    }
  };
})(window.__frontdesk);
