// Live pages: a WebSocket tells the page that its data changed; the page then fetches a
// fresh copy of the part that shows it. Reconnects by itself, and says when it is offline.
(function () {
  const state = document.querySelector("[data-live-url]");
  const target = document.querySelector("[data-fragment-url]");
  if (!state || !target) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  let pending = null;
  let delay = 1000;

  function refresh() {
    if (pending) return;
    pending = setTimeout(async () => {
      pending = null;
      const response = await fetch(target.dataset.fragmentUrl, { credentials: "same-origin" });
      if (response.ok) {
        target.innerHTML = await response.text();
        target.dispatchEvent(new CustomEvent("live:updated"));
      }
    }, 200);
  }

  function connect() {
    const socket = new WebSocket(scheme + location.host + state.dataset.liveUrl);
    socket.onopen = () => {
      delay = 1000;
      state.classList.remove("offline");
      state.dataset.connected = "true";
      state.textContent = state.dataset.onlineText;
      refresh();  // whatever changed while we were away
    };
    socket.onmessage = refresh;
    socket.onclose = () => {
      state.classList.add("offline");
      state.dataset.connected = "false";
      state.textContent = state.dataset.offlineText;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
})();
