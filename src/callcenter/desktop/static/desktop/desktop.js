// The agent desktop (desktop/views.py): live through /ws/desktop/ (desktop/consumers.py),
// acting through the REST API. Texts come from the page (#desk-text) in its language.
(function () {
  "use strict";
  var root = document.querySelector("[data-testid=desktop]");
  if (!root) return;
  var T = JSON.parse(document.getElementById("desk-text").textContent);
  var agentId = root.dataset.agent;
  var clockOffset = 0; // switch clock minus this browser's, seconds
  var state = null; // the last state message
  var popCall = ""; // the call the pop belongs to
  var popCaller = "";
  var shown = null; // the customer shown in the pop
  var socket = null;
  var retry = 0;
  var ticketsAsked = 0;

  function $(id) { return root.querySelector("[data-testid=" + id + "]"); }
  function now() { return Date.now() / 1000 + clockOffset; }
  function text(id, value) { $(id).textContent = value == null ? "" : String(value); }
  function show(id, visible) { $(id).hidden = !visible; }
  function seconds(value) { return Math.max(0, Math.round(value)) + T.seconds; }
  function clock(value) {
    var s = Math.max(0, Math.floor(value));
    var m = Math.floor(s / 60);
    return (m < 10 ? "0" : "") + m + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function message(value, failed) {
    var node = $("desk-message");
    node.textContent = value || "";
    node.classList.toggle("error", !!failed);
  }

  // --- the REST API --------------------------------------------------------------------
  function api(path, body) {
    message("");
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken(),
        "Accept-Language": document.documentElement.lang || "zh-hans",
      },
      body: JSON.stringify(body || {}),
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) message(data.message || String(response.status), true);
          return response.ok;
        });
      })
      .catch(function () { message(T.failed, true); return false; });
  }
  function post(path, form) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken()},
      body: new FormData(form),
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    });
  }
  function callId() {
    return (state && state.call && state.call.id) || (state && state.agent && state.agent.call) || popCall;
  }

  // --- status and state ----------------------------------------------------------------
  function renderState(message) {
    if (message.switch === "unavailable") {
      text("desk-agent-status", T.switch_down);
      return;
    }
    state = message;
    clockOffset = message.now - Date.now() / 1000;
    var agent = message.agent || {status: "logged_out", state: ""};
    var status = $("desk-agent-status");
    status.dataset.status = agent.status;
    status.textContent = T[agent.status] + (agent.status === "not_ready" && agent.reason ? " · " + reasonLabel(agent.reason) : "");
    status.className = "badge " + (agent.status === "ready" ? "ok" : agent.status === "not_ready" ? "warn" : "muted");
    var stateNode = $("desk-agent-state");
    stateNode.dataset.state = agent.state || "";
    stateNode.textContent = agent.state ? T[agent.state] || agent.state : "—";
    text("desk-extension-shown", agent.extension ? T.extension + " " + agent.extension : "");
    var loggedIn = agent.status !== "logged_out";
    show("desk-login", !loggedIn);
    show("desk-status-actions", loggedIn);
    $("desk-ready").hidden = agent.status === "ready";
    show("desk-wrapup", agent.state === "wrap_up");
    renderQueues(message.queues || []);
    renderTargets(message);
    renderCall(message.call, agent);
    tick();
  }
  function reasonLabel(code) {
    var reasons = JSON.parse(document.getElementById("desk-reasons").textContent);
    for (var i = 0; i < reasons.length; i++) if (reasons[i].code === code) return reasons[i].label;
    return code;
  }
  function renderQueues(rows) {
    var body = $("desk-queues").querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.queue = row.name;
      [row.title || row.name, row.waiting, seconds(row.longest_wait), row.available, row.logged_in,
       row.answered, row.abandoned].forEach(function (value) {
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function fill(select, options) {
    var chosen = select.value;
    select.textContent = "";
    options.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      select.appendChild(option);
    });
    if (chosen) select.value = chosen;
  }
  function renderTargets(message) {
    fill($("desk-target-agent"), (message.agents || []).map(function (a) {
      return [a.extension, a.agent_id + " " + a.name + " (" + (T[a.status] || a.status) + ")"];
    }));
    fill($("desk-target-queue"), (message.all_queues || []).map(function (q) {
      return ["queue:" + q.name, q.title || q.name];
    }));
  }
  function renderCall(call, agent) {
    var onCall = !!call || ["ringing", "in_call", "on_hold", "reserved"].indexOf(agent.state) >= 0;
    show("desk-no-call", !onCall && !popCall);
    show("desk-call-facts", onCall || !!popCall);
    show("desk-controls", !!call && call.answered);
    show("desk-answer", !!agent.answerable && !(call && call.answered));
    if (call) {
      var held = agent.state === "on_hold";
      $("desk-hold").hidden = held;
      $("desk-resume").hidden = !held;
      $("desk-complete").hidden = !call.consulting;
      $("desk-conference").hidden = !call.consulting;
      $("desk-cancel").hidden = !call.consulting;
      $("desk-consult").hidden = call.consulting;
      $("desk-transfer").hidden = call.consulting;
      if (call.id !== popCall) fillFacts(call.id, {caller: call.caller, dialled: call.dialled, queue: agent.queue});
    }
    root.dataset.call = call ? call.id : "";
  }
  function tick() {
    if (!state || !state.agent) return;
    var agent = state.agent;
    if (agent.state === "wrap_up" && agent.wrap_up_until) {
      text("desk-wrapup-left", seconds(agent.wrap_up_until - now()));
    }
    if (state.call && state.call.started_at) text("desk-call-time", clock(now() - state.call.started_at));
    if (callId() && Date.now() - ticketsAsked > 5000) loadTickets();
  }

  // --- the screen pop ------------------------------------------------------------------
  function fillFacts(call, facts) {
    var withheld = !facts.caller || /^(anonymous|unknown|unavailable|private)$/i.test(facts.caller);
    text("pop-caller", withheld ? T.anonymous : facts.caller);
    text("pop-dialled", /^[0-9*#+]+$/.test(facts.dialled || "") ? facts.dialled : "");
    text("pop-queue", facts.queue ? queueTitle(facts.queue) : T.direct);
    text("pop-wait", facts.queue ? seconds(facts.wait || 0) : "");
    var steps = (facts.ivr || []).map(function (step) {
      return step.node + (step.digits ? " [" + step.digits + "]" : "");
    });
    text("pop-ivr", steps.length ? steps.join(" → ") : T.ivr_none);
    text("pop-digits", facts.digits || "");
  }
  function queueTitle(name) {
    var queues = (state && state.all_queues) || [];
    for (var i = 0; i < queues.length; i++) if (queues[i].name === name) return queues[i].title || name;
    return name;
  }
  function renderPop(pop) {
    popCall = pop.call;
    var facts = pop.facts || {};
    popCaller = facts.caller || "";
    fillFacts(pop.call, facts);
    show("desk-no-call", false);
    show("desk-call-facts", true);
    show("pop-empty", false);
    show("pop-new-vehicle", false);
    shown = null;
    var customers = pop.customers || [];
    show("pop-not-found", customers.length === 0);
    show("pop-new-customer", customers.length === 0);
    show("pop-customer", false);
    show("pop-choices", customers.length > 1);
    if (customers.length === 0) {
      var form = $("pop-new-customer");
      form.reset();
      form.querySelectorAll(".field-error").forEach(function (node) { node.textContent = ""; });
      if (/^\+?\d{3,20}$/.test(popCaller)) form.querySelector("[name=customer-phones]").value = popCaller;
    } else if (customers.length === 1) {
      renderCustomer(customers[0]);
    } else {
      renderChoices(customers);
    }
    root.dataset.popCall = pop.call;
    // Read by the pop latency benchmark: when the switch took the INVITE, when the page
    // showed the pop (both Unix milliseconds, one machine's clock).
    root.dataset.popStarted = String(Math.round((facts.started_at || 0) * 1000));
    root.dataset.popAt = String(Date.now());
    loadTickets();
  }
  function renderChoices(customers) {
    var list = $("pop-choices");
    list.textContent = "";
    var head = document.createElement("li");
    head.textContent = T.several;
    list.appendChild(head);
    customers.forEach(function (customer) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.setAttribute("data-testid", "pop-choose-" + customer.number);
      button.textContent = customer.name + " · " + customer.number + " · " + (customer.address || "");
      button.addEventListener("click", function () { renderCustomer(customer); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }
  function renderCustomer(customer) {
    shown = customer;
    show("pop-customer", true);
    show("pop-not-found", false);
    show("pop-new-customer", false);
    text("pop-name", customer.name);
    text("pop-number", customer.number);
    text("pop-kind", T[customer.kind] || customer.kind);
    text("pop-phones", customer.phones.map(function (p) { return p.number; }).join(", "));
    text("pop-address", customer.address);
    text("pop-notes", customer.notes);
    $("pop-customer-link").href = "/crm/customers/" + encodeURIComponent(customer.number) + "/";
    var body = $("pop-vehicles").querySelector("tbody");
    body.textContent = "";
    if (!customer.vehicles.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = 5;
      cell.className = "empty";
      cell.textContent = T.no_vehicle;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    customer.vehicles.forEach(function (vehicle) { body.appendChild(vehicleRow(vehicle)); body.appendChild(gisRow(vehicle)); });
    root.querySelectorAll("[data-kind]").forEach(function (link) { link.href = ticketUrl(link.dataset.kind, customer); });
    show("pop-new-vehicle", false);
  }
  function vehicleRow(vehicle) {
    var tr = document.createElement("tr");
    tr.dataset.plate = vehicle.plate;
    [vehicle.plate, vehicle.vin, vehicle.model, vehicle.battery].forEach(function (value) {
      var td = document.createElement("td");
      td.textContent = value;
      tr.appendChild(td);
    });
    var actions = document.createElement("td");
    actions.className = "actions";
    ["position", "details"].forEach(function (what) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.gis = "/crm/vehicles/" + vehicle.id + "/" + what + ".json";
      button.setAttribute("data-testid", what + "-" + vehicle.plate);
      button.textContent = T[what];
      actions.appendChild(button);
    });
    tr.appendChild(actions);
    return tr;
  }
  function gisRow(vehicle) {
    var tr = document.createElement("tr");
    tr.className = "gis-result";
    tr.hidden = true;
    var td = document.createElement("td");
    td.colSpan = 5;
    td.setAttribute("role", "status");
    td.setAttribute("data-testid", "gis-" + vehicle.plate);
    td.dataset.asking = T.asking;
    td.dataset.demo = T.demo;
    tr.appendChild(td);
    return tr;
  }
  function ticketUrl(kind, customer) {
    var params = new URLSearchParams({kind: kind, customer: customer.number, customer_name: customer.name});
    if (popCall) params.set("call", popCall);
    if (popCaller) params.set("caller_number", popCaller);
    if (customer.phones.length) params.set("contact_phone", customer.phones[0].number);
    if (customer.vehicles.length) params.set("vehicle_plate", customer.vehicles[0].plate);
    if (customer.address) params.set("address", customer.address);
    return "/tickets/new/?" + params.toString();
  }
  function showErrors(form, errors) {
    form.querySelectorAll(".field-error").forEach(function (node) {
      node.textContent = (errors[node.dataset.error] || []).join(" ");
    });
  }
  $("pop-new-customer").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    post(form.action, form).then(function (answer) {
      if (!answer.ok) { showErrors(form, answer.data.errors || {}); return; }
      renderCustomer(answer.data);
      var vehicleForm = $("pop-new-vehicle");
      vehicleForm.reset();
      vehicleForm.action = "/desktop/customers/" + encodeURIComponent(answer.data.number) + "/vehicles/";
      show("pop-new-vehicle", true);
    }).catch(function () { message(T.failed, true); });
  });
  $("pop-new-vehicle").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    post(form.action, form).then(function (answer) {
      if (!answer.ok) { showErrors(form, answer.data.errors || {}); return; }
      renderCustomer(answer.data);
      form.reset();
      show("pop-new-vehicle", true);
    }).catch(function () { message(T.failed, true); });
  });
  function loadTickets() {
    var call = popCall || callId();
    if (!call) return;
    ticketsAsked = Date.now();
    fetch("/desktop/calls/" + encodeURIComponent(call) + "/tickets/", {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var box = $("desk-call-tickets");
        var list = box.querySelector("ul");
        list.textContent = "";
        box.hidden = false;
        if (!data.tickets.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = T.no_tickets;
          list.appendChild(none);
        }
        data.tickets.forEach(function (ticket) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = ticket.url;
          link.target = "_blank";
          link.textContent = ticket.number + " " + ticket.kind + " · " + ticket.state;
          link.setAttribute("data-testid", "call-ticket-" + ticket.number);
          item.appendChild(link);
          list.appendChild(item);
        });
      })
      .catch(function () {});
  }

  // --- actions -------------------------------------------------------------------------
  $("desk-login").addEventListener("submit", function (event) {
    event.preventDefault();
    var extension = event.target.elements.extension.value.trim();
    api("/api/agents/" + agentId + "/login", {extension: extension, ready: false});
  });
  $("desk-target-kind").addEventListener("change", function (event) {
    var kind = event.target.value;
    $("desk-target-agent").hidden = kind !== "agent";
    $("desk-target-queue").hidden = kind !== "queue";
    $("desk-target-number").hidden = kind !== "number";
  });
  function destination() {
    var kind = $("desk-target-kind").value;
    if (kind === "agent") return $("desk-target-agent").value;
    if (kind === "queue") return $("desk-target-queue").value;
    return $("desk-target-number").value.trim();
  }
  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-act]");
    if (!button) return;
    var act = button.dataset.act;
    var agentPath = "/api/agents/" + agentId;
    var callPath = "/api/calls/" + encodeURIComponent(callId() || "-");
    var requests = {
      "ready": function () { return api(agentPath + "/status", {status: "ready"}); },
      "not-ready": function () {
        return api(agentPath + "/status", {status: "not_ready", reason: $("desk-reason").value});
      },
      "logout": function () { return api(agentPath + "/logout"); },
      "end-wrap-up": function () { return api(agentPath + "/wrap-up/end"); },
      "answer": function () { return api(agentPath + "/answer"); },
      "hold": function () { return api(callPath + "/hold"); },
      "resume": function () { return api(callPath + "/resume"); },
      "hangup": function () { return api(callPath + "/hangup"); },
      "transfer": function () { return api(callPath + "/transfer", {destination: destination()}); },
      "consult": function () { return api(callPath + "/consult", {destination: destination()}); },
      "complete": function () { return api(callPath + "/consult/complete"); },
      "cancel": function () { return api(callPath + "/consult/cancel"); },
      "conference": function () { return api(callPath + "/conference"); },
    };
    if (!requests[act]) return;
    button.disabled = true;
    requests[act]().finally(function () { button.disabled = false; });
  });

  // --- the WebSocket -------------------------------------------------------------------
  function connected(yes) {
    var node = $("desk-connection");
    node.dataset.connected = yes ? "true" : "false";
    node.classList.toggle("offline", !yes);
    node.textContent = yes ? T.connected : T.disconnected;
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/desktop/");
    socket.onopen = function () { retry = 0; connected(true); };
    socket.onmessage = function (frame) {
      var data = JSON.parse(frame.data);
      if (data.type === "state") renderState(data);
      else if (data.type === "pop") renderPop(data);
    };
    socket.onclose = function () {
      connected(false);
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, retry * 1000);
    };
  }
  window.addEventListener("focus", loadTickets);
  setInterval(tick, 1000);
  connect();
})();
