// The demo store page: "Sign in as …" asks the store's backend (the demo
// order API, loopback only) for the visitor's identity token and hands it
// to the widget, as a real site does after its own login.
window.Frontdesk = window.Frontdesk || function () { (Frontdesk.q = Frontdesk.q || []).push(arguments); };
for (const button of document.querySelectorAll('button[data-user]')) {
  button.addEventListener('click', async () => {
    const user = button.dataset.user;
    const who = document.getElementById('who');
    try {
      const res = await fetch(`http://127.0.0.1:8795/__identity?user=${encodeURIComponent(user)}`);
      const { token } = await res.json();
      Frontdesk('identify', { token });
      who.textContent = `Signed in as ${user}. Ask the chat about your orders.`;
    } catch {
      who.textContent = 'The demo order API is not running: start the demo with make dev.';
    }
  });
}
