// The supervisor monitor (desktop/monitor.py says what it shows and where from).
// Snapshots of the agents and queues come from the API; the event feed (/ws/events/)
// says when to fetch them again; the timers tick here every second on the switch's
// clock. Each action is confirmed in the page's dialog, then posted to the API.
(function () {
  "use strict";
  const root = document.querySelector("[data-monitor]");
  if (!root) return;
  const text = JSON.parse(document.getElementById("monitor-text").textContent);
  const me = root.dataset.me;
  const connection = root.querySelector("[data-testid=monitor-connection]");
  const myPhone = root.querySelector("[data-testid=monitor-my-phone]");
  const message = root.querySelector("[data-testid=monitor-message]");
  const agentBody = root.querySelector("[data-testid=monitor-agents] tbody");
  const queueBody = root.querySelector("[data-testid=monitor-queues] tbody");
  const rowTemplate = document.getElementById("monitor-row");
  const dialog = root.querySelector("[data-testid=monitor-confirm]");
  const dialogText = dialog.querySelector("[data-testid=monitor-confirm-text]");
  const reasonField = dialog.querySelector("[data-testid=monitor-confirm-reason-field]");
  const reasonSelect = dialog.querySelector("[data-testid=monitor-confirm-reason]");
  const SUPERVISE = ["listen", "whisper", "barge"];
  const TALKING = ["in_call", "on_hold"];
  const SAFETY_POLL = 30000; // ms: a fetch now and then even without events
  const MESSAGE_STAYS = 10000; // ms: how long a success is shown

  const agents = new Map(); // agent ID -> its latest snapshot
  let queues = [];
  let queuesAt = 0; // the switch's time of the queues' snapshot
  let skew = 0; // the switch's clock minus the browser's, in seconds
  let asked = null; // the action the dialog asks about

  function now() {
    return Date.now() / 1000 + skew;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // A request to the API: resolves to {ok, status, data} (data: the JSON answer).
  function api(method, path, body) {
    const headers = {
      Accept: "application/json",
      "Accept-Language": document.documentElement.lang || "zh-hans",
    };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
    }
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response
        .json()
        .catch(function () { return {}; })
        .then(function (data) { return {ok: response.ok, status: response.status, data: data}; });
    });
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  function clock(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  // An error stays until the next action; a success goes after a while.
  let fade = null;
  function show(textContent, failed) {
    clearTimeout(fade);
    message.textContent = textContent;
    message.classList.toggle("error", failed);
    message.dataset.kind = failed ? "error" : "ok";
    if (!failed) {
      fade = setTimeout(function () {
        message.textContent = "";
        delete message.dataset.kind;
      }, MESSAGE_STAYS);
    }
  }

  // --- snapshots ----------------------------------------------------------------------
  // At most one fetch in flight and one pending: a burst of events makes two fetches.
  let inFlight = false;
  let pending = false;
  let snapshotFailed = false; // the last fetch failed: its error is on show

  function refresh() {
    if (inFlight) {
      pending = true;
      return;
    }
    inFlight = true;
    Promise.all([
      api("GET", "/api/agents/?supervised=true"),
      api("GET", "/api/queues/"),
      api("GET", "/api/agents/" + encodeURIComponent(me)),
    ])
      .then(function (answers) {
        const [agentList, queueList, mine] = answers;
        if (!agentList.ok || !queueList.ok) {
          const failed = agentList.ok ? queueList : agentList;
          show(failed.data.message || text.failed, true);
          snapshotFailed = true;
          return;
        }
        if (snapshotFailed) {
          snapshotFailed = false;
          show("", false);
        }
        skew = agentList.data.now - Date.now() / 1000;
        queues = queueList.data.queues;
        queuesAt = now();
        render(agentList.data.agents, mine.ok ? mine.data : null);
      })
      .catch(function () {
        show(text.failed, true);
        snapshotFailed = true;
      })
      .finally(function () {
        inFlight = false;
        if (pending) {
          pending = false;
          refresh();
        }
      });
  }

  function render(list, mine) {
    myPhone.textContent =
      mine && mine.status !== "logged_out" && mine.extension
        ? format(text.my_phone, {extension: mine.extension})
        : text.no_phone;
    myPhone.dataset.extension = mine && mine.extension ? mine.extension : "";
    const seen = new Set();
    list.forEach(function (agent) {
      seen.add(agent.agent_id);
      agents.set(agent.agent_id, agent);
      let row = agentBody.querySelector('tr[data-agent="' + CSS.escape(agent.agent_id) + '"]');
      if (!row) {
        row = rowTemplate.content.firstElementChild.cloneNode(true);
        row.dataset.agent = agent.agent_id;
        agentBody.appendChild(row);
      }
      fill(row, agent);
    });
    agentBody.querySelectorAll("tr[data-agent]").forEach(function (row) {
      if (!seen.has(row.dataset.agent)) {
        agents.delete(row.dataset.agent);
        row.remove();
      }
    });
    emptyRow(agentBody, list.length === 0, text.no_agents, 9);
    renderQueues();
    tick();
  }

  function emptyRow(body, empty, words, columns) {
    let row = body.querySelector("tr.empty-row");
    if (empty && !row) {
      row = document.createElement("tr");
      row.className = "empty-row";
      const cell = document.createElement("td");
      cell.className = "empty";
      cell.colSpan = columns;
      cell.textContent = words;
      row.appendChild(cell);
      body.appendChild(row);
    } else if (!empty && row) {
      row.remove();
    }
  }

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function queueTitle(name) {
    const queue = queues.find(function (q) { return q.name === name; });
    return queue ? queue.title || queue.name : name;
  }

  function fill(row, agent) {
    const loggedIn = agent.status !== "logged_out";
    row.dataset.state = agent.state;
    row.dataset.status = agent.status;
    field(row, "agent").textContent = agent.agent_id + " " + agent.name;
    field(row, "extension").textContent = agent.extension || "—";
    const status = field(row, "status");
    let label = text.status[agent.status] || agent.status;
    if (agent.status === "not_ready" && (agent.reason_label || agent.reason)) {
      label += " · " + (agent.reason_label || agent.reason);
    }
    status.textContent = label;
    status.className = "badge " + (agent.status === "ready" ? "ok" : loggedIn ? "warn" : "muted");
    const state = field(row, "state");
    state.textContent = agent.state ? text.state[agent.state] || agent.state : "—";
    state.className = !agent.state ? "" : agent.state === "idle" ? "badge muted" : "badge warn";
    field(row, "caller").textContent = agent.caller || "—";
    field(row, "queue").textContent = agent.queue ? queueTitle(agent.queue) : "—";
    const enabled = {
      listen: TALKING.includes(agent.state),
      whisper: TALKING.includes(agent.state),
      barge: TALKING.includes(agent.state),
      release: Boolean(agent.current_call),
      ready: agent.status === "not_ready",
      not_ready: loggedIn,
      logout: loggedIn,
    };
    row.querySelectorAll("button[data-action]").forEach(function (button) {
      button.disabled = !enabled[button.dataset.action];
    });
  }

  function renderQueues() {
    const mine = new Set();
    agents.forEach(function (agent) { (agent.queues || []).forEach(function (q) { mine.add(q); }); });
    const shown = queues.filter(function (q) { return mine.has(q.name); });
    const names = new Set(shown.map(function (q) { return q.name; }));
    shown.forEach(function (queue) {
      let row = queueBody.querySelector('tr[data-queue="' + CSS.escape(queue.name) + '"]');
      if (!row) {
        row = document.createElement("tr");
        row.dataset.queue = queue.name;
        ["title", "waiting", "longest", "logged-in", "available"].forEach(function (name) {
          const cell = document.createElement("td");
          cell.dataset.field = name;
          if (name !== "title") cell.className = "number";
          row.appendChild(cell);
        });
        queueBody.appendChild(row);
      }
      row.dataset.waiting = String(queue.waiting);
      field(row, "title").textContent = queue.title || queue.name;
      field(row, "waiting").textContent = String(queue.waiting);
      field(row, "logged-in").textContent = String(queue.logged_in);
      field(row, "available").textContent = String(queue.available);
    });
    queueBody.querySelectorAll("tr[data-queue]").forEach(function (row) {
      if (!names.has(row.dataset.queue)) row.remove();
    });
    emptyRow(queueBody, shown.length === 0, text.no_queues, 5);
  }

  // --- the timers, every second ---------------------------------------------------------
  function tick() {
    const at = now();
    agentBody.querySelectorAll("tr[data-agent]").forEach(function (row) {
      const agent = agents.get(row.dataset.agent);
      if (!agent) return;
      const loggedIn = agent.status !== "logged_out";
      field(row, "status-time").textContent =
        loggedIn && agent.status_since ? clock(at - agent.status_since) : "—";
      const stateTime = field(row, "state-time");
      if (agent.state === "wrap_up" && agent.wrap_up_until) {
        const left = Math.max(0, Math.ceil(agent.wrap_up_until - at));
        stateTime.textContent = format(text.left, {seconds: left});
        stateTime.dataset.left = String(left);
      } else {
        stateTime.textContent = agent.state && agent.state_since ? clock(at - agent.state_since) : "—";
        delete stateTime.dataset.left;
      }
    });
    queueBody.querySelectorAll("tr[data-queue]").forEach(function (row) {
      const queue = queues.find(function (q) { return q.name === row.dataset.queue; });
      if (!queue) return;
      const longest = queue.waiting > 0 ? (queue.longest_wait || 0) + (at - queuesAt) : 0;
      field(row, "longest").textContent = queue.waiting > 0 ? clock(longest) : "—";
    });
  }

  // --- actions --------------------------------------------------------------------------
  root.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const agent = agents.get(button.closest("tr[data-agent]").dataset.agent);
    if (!agent) return;
    asked = {action: button.dataset.action, agent: agent.agent_id, call: agent.current_call};
    dialogText.textContent = format(text.confirm[asked.action], {
      agent: agent.agent_id + " " + agent.name,
    });
    reasonField.hidden = asked.action !== "not_ready";
    dialog.returnValue = "";
    dialog.showModal();
  });

  dialog.addEventListener("close", function () {
    const action = asked;
    asked = null;
    if (action && dialog.returnValue === "ok") run(action);
  });

  function run(action) {
    const agentPath = "/api/agents/" + encodeURIComponent(action.agent);
    let sent;
    if (SUPERVISE.includes(action.action)) {
      sent = api("POST", agentPath + "/supervise", {mode: action.action});
    } else if (action.action === "release") {
      sent = api("POST", "/api/calls/" + encodeURIComponent(action.call) + "/hangup");
    } else if (action.action === "ready") {
      sent = api("POST", agentPath + "/status", {status: "ready"});
    } else if (action.action === "not_ready") {
      sent = api("POST", agentPath + "/status", {status: "not_ready", reason: reasonSelect.value});
    } else {
      sent = api("POST", agentPath + "/logout");
    }
    sent
      .then(function (answer) {
        if (answer.ok) {
          show(SUPERVISE.includes(action.action) ? text.phone_rings : text.done, false);
        } else {
          show(answer.data.message || text.failed + " (" + answer.status + ")", true);
        }
        refresh();
      })
      .catch(function () { show(text.failed, true); });
  }

  // --- the event feed ------------------------------------------------------------------
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  let delay = 1000;

  function connected(yes) {
    connection.classList.toggle("offline", !yes);
    connection.dataset.connected = yes ? "true" : "false";
    connection.textContent = yes ? text.online : text.offline;
  }

  function connect() {
    const url = scheme + location.host + "/ws/events/?types=" + root.dataset.events;
    const socket = new WebSocket(url);
    socket.onopen = function () {
      delay = 1000;
      connected(true);
      refresh(); // whatever changed while we were away
    };
    socket.onmessage = refresh;
    socket.onclose = function () {
      connected(false);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  refresh();
  connect();
  setInterval(tick, 1000);
  setInterval(refresh, SAFETY_POLL);
})();
