// Click-to-call: a button with data-dial="NUMBER" asks the switch (POST /api/calls/) to
// ring the agent's own phone, then NUMBER; the answer (or why not) goes to .dial-result.
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  // The result element carries its success text (data-ok) in the page's language.
  function show(text, failed) {
    document.querySelectorAll(".dial-result").forEach(function (node) {
      node.textContent = failed ? text : node.dataset.ok;
      node.classList.toggle("error", failed);
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dial]");
    if (!button) return;
    button.disabled = true;
    fetch("/api/calls/", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken(),
        "Accept-Language": document.documentElement.lang || "zh-hans",
      },
      body: JSON.stringify({destination: button.dataset.dial, auto_answer: true}),
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            show("", false);
          } else {
            show(data.message || String(response.status), true);
          }
        });
      })
      .catch(function () { show("✕", true); })
      .finally(function () { button.disabled = false; });
  });
})();
