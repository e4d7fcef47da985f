// The IVR flow page's node editor (ivr/templates/ivr/flow_form.html): the flow as cards and
// a diagram, over the form's JSON textarea. The textarea stays what is posted and checked:
// the editor reads the flow from it at load (and whenever it is edited by hand) and writes
// it back after every change. Kinds, fields, lists and texts come from the page
// (#flow-editor-data, built by ivr/editor.py) in the user's language.
(function () {
  "use strict";
  const dataNode = document.getElementById("flow-editor-data");
  const root = document.querySelector("[data-testid=flow-editor]");
  const textarea = document.getElementById("id_definition_text");
  if (!dataNode || !root || !textarea) return;
  const D = JSON.parse(dataNode.textContent);
  const T = D.texts;
  const KINDS = {};
  D.kinds.forEach(function (spec) { KINDS[spec.kind] = spec; });
  const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];
  const rawWrapper = document.querySelector("[data-flow-raw]");
  const message = document.querySelector("[data-testid=flow-json-message]");
  const help = document.querySelector("[data-testid=flow-help]");
  const table = document.querySelector("[data-testid=flow-nodes]");

  let model = null; // the flow being edited: the parsed JSON, other keys kept as they are
  let problems = D.problems || {}; // node id ("" the flow) -> the server's messages
  let rawShown = false;

  // --- small helpers -------------------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values[key] === undefined ? whole : String(values[key]);
    });
  }
  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }
  // A <select> of [value, label] pairs (or {group, options}); a value that is not among
  // them is kept as an option of its own, marked as missing.
  function choice(options, value, attrs) {
    const select = el("select", attrs);
    let found = false;
    function add(parent, pair) {
      const option = el("option", { value: pair[0], text: pair[1] });
      if (pair[0] === value) found = true;
      parent.append(option);
    }
    options.forEach(function (item) {
      if (Array.isArray(item)) { add(select, item); return; }
      if (!item.options.length) return;
      const group = el("optgroup", { label: item.group });
      item.options.forEach(function (pair) { add(group, pair); });
      select.append(group);
    });
    if (!found && value !== undefined && value !== null) {
      add(select, [String(value), fmt(T.missing, { name: value })]);
    }
    select.value = value === undefined || value === null ? "" : String(value);
    return select;
  }
  function nodeIds() { return model ? model.nodes.map(function (node) { return node.id; }) : []; }
  function nodeById(id) {
    return model ? model.nodes.find(function (node) { return node.id === id; }) : undefined;
  }
  function cardOf(id) {
    return root.querySelector('[data-testid=node-card][data-node="' + CSS.escape(id) + '"]');
  }

  // --- reading and writing the textarea ------------------------------------------------
  // What JSON.parse made of the text, when the editor can show it: an object whose
  // "nodes" is a list of objects with distinct string ids and a kind.
  function asFlow(data) {
    if (!isObject(data)) return null;
    if (data.nodes === undefined) data.nodes = [];
    if (!Array.isArray(data.nodes)) return null;
    const seen = new Set();
    for (const node of data.nodes) {
      if (!isObject(node) || typeof node.id !== "string" || !node.id) return null;
      if (typeof node.kind !== "string" || seen.has(node.id)) return null;
      seen.add(node.id);
    }
    if (data.start === undefined) data.start = "";
    return data;
  }
  function parseError(error, text) {
    const where = /line (\d+) column (\d+)/.exec(error.message);
    if (where) return fmt(T.bad_json_at, { line: where[1], column: where[2] });
    // Without a line: a position, or the end of the text ("Unexpected end of JSON input").
    const position = /position (\d+)/.exec(error.message);
    if (position || /end of JSON/.test(error.message)) {
      const before = text.slice(0, position ? Number(position[1]) : text.length).split("\n");
      return fmt(T.bad_json_at, {
        line: before.length,
        column: before[before.length - 1].length + 1,
      });
    }
    return T.bad_json;
  }
  // Reads the textarea: true when the editor now shows it, else the message says why.
  function readText() {
    const text = textarea.value;
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      say(parseError(error, text));
      return false;
    }
    const flow = asFlow(data);
    if (!flow) { say(T.not_a_flow); return false; }
    model = flow;
    say("");
    return true;
  }
  function say(text) {
    message.textContent = text;
    message.hidden = !text;
    restoreButton.hidden = !text || !model;
  }
  // After every change made in the editor: the textarea and the diagram follow.
  function commit() {
    textarea.value = JSON.stringify(model, null, 2);
    say("");
    drawDiagram();
  }

  // --- changes to the graph ------------------------------------------------------------
  function targetFields(node) {
    const spec = KINDS[node.kind];
    if (!spec) return [];
    return spec.fields.filter(function (f) { return f.control === "target"; });
  }
  // Every branch of every node that leads to ``from`` leads to ``to`` instead ("" empty).
  function redirect(from, to) {
    model.nodes.forEach(function (node) {
      targetFields(node).forEach(function (f) { if (node[f.name] === from) node[f.name] = to; });
      if (isObject(node.choices)) {
        Object.keys(node.choices).forEach(function (key) {
          if (node.choices[key] === from) node.choices[key] = to;
        });
      }
    });
    if (model.start === from) model.start = to;
  }
  function rename(node, input, note) {
    const old = node.id;
    const id = input.value.trim();
    if (id === old) { input.value = old; return; }
    const refusal = !id ? T.id_empty : nodeById(id) ? fmt(T.id_taken, { id: id }) : "";
    if (refusal) {
      input.value = old;
      note.textContent = refusal;
      note.hidden = false;
      return;
    }
    node.id = id;
    redirect(old, id);
    if (problems[old]) { problems[id] = problems[old]; delete problems[old]; }
    commit();
    render({ node: id, key: "id" });
  }
  function freshId(kind) {
    let number = 1;
    while (nodeById(kind + number)) number += 1;
    return kind + number;
  }
  function addNode(kind) {
    const node = { kind: kind, id: freshId(kind) };
    const blank = JSON.parse(JSON.stringify(KINDS[kind].blank));
    Object.keys(blank).forEach(function (key) { if (key !== "kind") node[key] = blank[key]; });
    model.nodes.push(node);
    if (!model.start) model.start = node.id;
    commit();
    render({ node: node.id, key: "id" });
    cardOf(node.id).scrollIntoView({ block: "nearest" });
  }
  function deleteNode(node) {
    model.nodes.splice(model.nodes.indexOf(node), 1);
    redirect(node.id, "");
    delete problems[node.id];
    commit();
    render();
  }
  // Another kind: the fields both kinds have are kept, the others are the new kind's.
  function changeKind(node, kind) {
    const fresh = { kind: kind, id: node.id };
    const blank = KINDS[kind].blank;
    Object.keys(blank).forEach(function (key) {
      if (key === "kind") return;
      fresh[key] = key in node ? node[key] : JSON.parse(JSON.stringify(blank[key]));
    });
    model.nodes[model.nodes.indexOf(node)] = fresh;
    commit();
    render({ node: node.id, key: "kind" });
  }

  // --- the cards -----------------------------------------------------------------------
  function promptOptions() {
    return [["", T.none]].concat(D.prompts.map(function (name) { return [name, name]; }));
  }
  function targetOptions(f) {
    const empty = [["", f.optional ? T.hang_up : T.choose]];
    return empty.concat(nodeIds().map(function (id) { return [id, id]; }));
  }
  function fieldBox(node, f, control) {
    const box = el("div", { class: "field", "data-field": f.name }, [
      el("label", { text: f.label }),
    ]);
    if (control) box.append(control);
    return box;
  }
  function controlFor(node, f) {
    const key = f.name;
    function set(value) { node[key] = value; commit(); }
    switch (f.control) {
      case "prompt":
        return choice(promptOptions(), node[key] || "", {
          "data-key": key,
          onchange: function (e) { set(e.target.value); },
        });
      case "target":
        return choice(targetOptions(f), node[key] || "", {
          "data-key": key,
          onchange: function (e) { set(e.target.value); },
        });
      case "terminator":
        return choice([["", T.none]].concat(KEYS.map(function (k) { return [k, k]; })),
          node[key] === undefined ? "" : node[key], {
            "data-key": key,
            onchange: function (e) { set(e.target.value); },
          });
      case "number":
        return el("input", {
          type: "number",
          "data-key": key,
          step: f.integer ? "1" : "any",
          min: "0",
          value: node[key] === undefined ? "" : String(node[key]),
          placeholder: String(KINDS[node.kind].blank[key]),
          oninput: function (e) {
            if (e.target.value === "") { delete node[key]; commit(); return; }
            const number = Number(e.target.value);
            if (!Number.isNaN(number)) set(number);
          },
        });
      case "text":
        return el("input", {
          type: "text",
          "data-key": key,
          value: node[key] === undefined ? "" : String(node[key]),
          oninput: function (e) { set(e.target.value); },
        });
      case "choices": return choicesControl(node);
      case "hours": return hoursControl(node);
      case "holidays": return holidaysControl(node);
      case "destination": return destinationControl(node);
    }
    return null;
  }
  function choicesControl(node) {
    const choices = isObject(node.choices) ? node.choices : {};
    const list = el("div", { class: "flow-rows", "data-testid": "choices" });
    const keys = Object.keys(choices);
    keys.forEach(function (digit) {
      const free = KEYS.filter(function (k) { return k === digit || !(k in choices); });
      const keySelect = choice(free.map(function (k) { return [k, k]; }), digit, {
        "data-key": "choices." + digit + ".key",
        "data-part": "key",
        "aria-label": T.key.replace("%(digit)s", "").trim(),
        onchange: function (e) {
          const renamed = {};
          Object.keys(choices).forEach(function (k) {
            renamed[k === digit ? e.target.value : k] = choices[k];
          });
          node.choices = renamed;
          commit();
          render({ node: node.id, key: "choices." + e.target.value + ".key" });
        },
      });
      const target = choice(targetOptions({ optional: false }), choices[digit], {
        "data-key": "choices." + digit + ".target",
        "data-part": "target",
        "aria-label": T.goes_to,
        onchange: function (e) { choices[digit] = e.target.value; node.choices = choices; commit(); },
      });
      list.append(el("div", { class: "flow-row", "data-choice": digit }, [
        keySelect, el("span", { text: "→ " + T.goes_to }), target,
        el("button", {
          type: "button", class: "link danger", text: T.remove, "data-act": "remove-choice",
          onclick: function () { delete choices[digit]; node.choices = choices; commit(); render(); },
        }),
      ]));
    });
    const unused = KEYS.filter(function (k) { return !(k in choices); });
    list.append(el("button", {
      type: "button", text: T.add_key, "data-act": "add-choice", disabled: !unused.length,
      onclick: function () {
        choices[unused[0]] = "";
        node.choices = choices;
        commit();
        render({ node: node.id, key: "choices." + unused[0] + ".target" });
      },
    }));
    return list;
  }
  function hoursControl(node) {
    const hours = Array.isArray(node.hours) ? node.hours : [];
    const list = el("div", { class: "flow-rows", "data-testid": "hours" });
    hours.forEach(function (span, index) {
      if (!isObject(span)) return;
      const days = Array.isArray(span.days) ? span.days : [];
      const row = el("div", { class: "flow-row", "data-span": String(index) });
      const boxes = el("span", { class: "flow-days", title: T.days });
      D.weekdays.forEach(function (label, position) {
        const day = position + 1;
        const box = el("input", {
          type: "checkbox", value: String(day), "data-key": "hours." + index + ".day" + day,
          onchange: function () {
            span.days = Array.from(boxes.querySelectorAll("input:checked"))
              .map(function (input) { return Number(input.value); });
            node.hours = hours;
            commit();
          },
        });
        box.checked = days.indexOf(day) >= 0;
        boxes.append(el("label", {}, [box, document.createTextNode(label)]));
      });
      function time(part, caption) {
        return el("label", { class: "flow-inline" }, [
          document.createTextNode(caption),
          el("input", {
            type: "text", size: "5", maxlength: "5", placeholder: "09:00", inputmode: "numeric",
            value: span[part] === undefined ? "" : String(span[part]),
            "data-key": "hours." + index + "." + part,
            oninput: function (e) { span[part] = e.target.value.trim(); node.hours = hours; commit(); },
          }),
        ]);
      }
      row.append(boxes, time("start", T.from), time("end", T.until), el("button", {
        type: "button", class: "link danger", text: T.remove, "data-act": "remove-span",
        onclick: function () { hours.splice(index, 1); node.hours = hours; commit(); render(); },
      }));
      list.append(row);
    });
    list.append(el("button", {
      type: "button", text: T.add_span, "data-act": "add-span",
      onclick: function () {
        const span = JSON.parse(JSON.stringify(KINDS.time.blank.hours[0]));
        hours.push(span);
        node.hours = hours;
        commit();
        render({ node: node.id, key: "hours." + (hours.length - 1) + ".start" });
      },
    }));
    return list;
  }
  function holidaysControl(node) {
    const holidays = Array.isArray(node.holidays) ? node.holidays : [];
    const list = el("div", { class: "flow-rows", "data-testid": "holidays" });
    holidays.forEach(function (day, index) {
      const value = String(day);
      // A date input would blank a value that is not a date: such a one stays text.
      const isDate = /^\d{4}-\d\d-\d\d$/.test(value) || value === "";
      list.append(el("div", { class: "flow-row", "data-holiday": String(index) }, [
        el("input", {
          type: isDate ? "date" : "text", value: value, placeholder: "2025-10-01",
          "data-key": "holidays." + index,
          onchange: function (e) { holidays[index] = e.target.value; node.holidays = holidays; commit(); },
        }),
        el("button", {
          type: "button", class: "link danger", text: T.remove, "data-act": "remove-holiday",
          onclick: function () { holidays.splice(index, 1); node.holidays = holidays; commit(); render(); },
        }),
      ]));
    });
    list.append(el("button", {
      type: "button", text: T.add_holiday, "data-act": "add-holiday",
      onclick: function () {
        holidays.push("");
        node.holidays = holidays;
        commit();
        render({ node: node.id, key: "holidays." + (holidays.length - 1) });
      },
    }));
    return list;
  }
  const OTHER = "\u0000other";
  function destinationChoices() {
    return {
      queues: D.queues.map(function (q) { return ["queue:" + q[0], q[1] + " (queue:" + q[0] + ")"]; }),
      flows: D.flows.map(function (f) { return ["flow:" + f[0], f[1] + " (flow:" + f[0] + ")"]; }),
    };
  }
  function destinationControl(node) {
    const value = typeof node.destination === "string" ? node.destination : "";
    const known = destinationChoices();
    const listed = known.queues.concat(known.flows).some(function (pair) { return pair[0] === value; });
    const text = el("input", {
      type: "text", "data-key": "destination.other", "data-part": "other",
      placeholder: T.number_example, "aria-label": T.number,
      value: listed ? "" : value,
      oninput: function (e) { node.destination = e.target.value.trim(); commit(); },
    });
    const select = choice([
      ["", T.choose],
      { group: T.queues, options: known.queues },
      { group: T.flows, options: known.flows },
      [OTHER, T.other_destination],
    ], listed || !value ? value : OTHER, {
      "data-key": "destination",
      onchange: function (e) {
        const other = e.target.value === OTHER;
        text.hidden = !other;
        node.destination = other ? text.value.trim() : e.target.value;
        commit();
        if (other) text.focus();
      },
    });
    text.hidden = select.value !== OTHER;
    return el("div", { class: "flow-rows" }, [select, text]);
  }
  function card(node) {
    const spec = KINDS[node.kind];
    const note = el("p", { class: "field-error", role: "alert", hidden: true, "data-testid": "card-note" });
    const idInput = el("input", {
      type: "text", value: node.id, "data-key": "id", "data-field": "id", "aria-label": T.node_id,
      onchange: function (e) { rename(node, e.target, note); },
    });
    const kinds = D.kinds.map(function (k) { return [k.kind, k.label]; });
    const kindSelect = choice(kinds, node.kind, {
      "data-key": "kind", "data-field": "kind", "aria-label": T.kind,
      onchange: function (e) { changeKind(node, e.target.value); },
    });
    const troubled = !!problems[node.id];
    const head = el("div", { class: "flow-card-head" }, [
      el("label", { class: "flow-inline" }, [document.createTextNode(T.node_id), idInput]),
      el("label", { class: "flow-inline" }, [document.createTextNode(T.kind), kindSelect]),
      model.start === node.id ? el("span", { class: "badge ok", text: T.start, "data-testid": "card-start" }) : null,
      troubled ? el("span", { class: "badge warn", text: T.to_fix }) : null,
      el("button", {
        type: "button", class: "link danger", text: T.delete_node, "data-act": "delete-node",
        onclick: function () { deleteNode(node); },
      }),
    ]);
    const box = el("article", {
      class: "card flow-card" + (troubled ? " problem" : ""),
      "data-testid": "node-card", "data-node": node.id, "data-kind": node.kind,
    }, [head, note]);
    (problems[node.id] || []).forEach(function (text) {
      box.append(el("p", { class: "field-error", role: "alert", text: text, "data-testid": "card-problem" }));
    });
    if (!spec) {
      box.append(el("p", { class: "muted", text: fmt(T.unknown_kind, { kind: node.kind }) }));
      return box;
    }
    spec.fields.forEach(function (f) { box.append(fieldBox(node, f, controlFor(node, f))); });
    return box;
  }

  // --- the diagram ---------------------------------------------------------------------
  const SVG = "http://www.w3.org/2000/svg";
  const W = 172, H = 46, GAP_X = 96, GAP_Y = 30, PAD = 24, TOP = 40;
  function svg(tag, attrs, children) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (key === "text") node.textContent = value;
      else if (value !== null && value !== undefined) node.setAttribute(key, String(value));
    });
    (children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }
  function clip(text, units) {
    let used = 0, out = "";
    for (const char of text) {
      used += char.charCodeAt(0) > 0x2e80 ? 2 : 1;
      if (used > units) return out + "…";
      out += char;
    }
    return out;
  }
  // The (label, target) branches of a node that lead to nodes of the flow.
  function edgesOf(node) {
    const out = [];
    if (isObject(node.choices)) {
      Object.keys(node.choices).forEach(function (digit) {
        out.push([fmt(T.key, { digit: digit }), node.choices[digit]]);
      });
    }
    targetFields(node).forEach(function (f) {
      const label = f.name === "next" ? "" : f.name === "failure" ? T.failure : f.label;
      out.push([label, node[f.name]]);
    });
    return out.filter(function (edge) { return typeof edge[1] === "string" && nodeById(edge[1]); });
  }
  // Columns by distance from the start; what the start does not reach comes after.
  function layout() {
    const column = {};
    const columns = [];
    function walk(first, base) {
      let queue = [first];
      column[first] = base;
      while (queue.length) {
        const next = [];
        queue.forEach(function (id) {
          (columns[column[id]] = columns[column[id]] || []).push(id);
          edgesOf(nodeById(id)).forEach(function (edge) {
            if (!(edge[1] in column)) { column[edge[1]] = column[id] + 1; next.push(edge[1]); }
          });
        });
        queue = next;
      }
    }
    if (nodeById(model.start)) walk(model.start, 0);
    model.nodes.forEach(function (node) {
      if (!(node.id in column)) walk(node.id, columns.length);
    });
    const place = {};
    columns.forEach(function (ids, x) {
      ids.forEach(function (id, y) { place[id] = { x: PAD + x * (W + GAP_X), y: TOP + y * (H + GAP_Y), column: x }; });
    });
    return { place: place, columns: columns };
  }
  function detail(node) {
    const spec = KINDS[node.kind];
    const label = spec ? spec.label : node.kind;
    if (node.kind === "transfer" && node.destination) {
      const queue = D.queues.find(function (q) { return "queue:" + q[0] === node.destination; });
      return label + " → " + (queue ? queue[1] : node.destination);
    }
    if (node.prompt) return label + " · " + node.prompt;
    return label;
  }
  function drawDiagram() {
    const canvas = root.querySelector("[data-testid=flow-diagram]");
    canvas.textContent = "";
    canvas.parentNode.hidden = !model || !model.nodes.length;
    if (canvas.parentNode.hidden) return;
    const { place, columns } = layout();
    const rows = Math.max.apply(null, columns.map(function (ids) { return ids.length; }));
    const width = PAD * 2 + columns.length * W + (columns.length - 1) * GAP_X + 40;
    const height = TOP + rows * (H + GAP_Y) + PAD;
    const drawing = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": T.diagram }, [
      svg("defs", {}, [svg("marker", {
        id: "flow-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse",
      }, [svg("path", { d: "M0,0 L10,5 L0,10 z", class: "flow-arrow" })])]),
    ]);
    const edges = svg("g", {});
    const labels = svg("g", {});
    model.nodes.forEach(function (node) {
      const grouped = {};
      edgesOf(node).forEach(function (edge) {
        (grouped[edge[1]] = grouped[edge[1]] || []).push(edge[0]);
      });
      Object.keys(grouped).forEach(function (target) {
        const a = place[node.id], b = place[target];
        let d, mx, my;
        if (b.column > a.column) {
          const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, c = GAP_X / 2;
          d = "M" + x1 + "," + y1 + " C" + (x1 + c) + "," + y1 + " " + (x2 - c) + "," + y2 + " " + x2 + "," + y2;
          // The label three quarters of the way, where a menu's branches have parted.
          mx = (x1 + 9 * (x1 + c) + 27 * (x2 - c) + 27 * x2) / 64;
          my = (y1 + 9 * y1 + 27 * y2 + 27 * y2) / 64;
        } else if (target === node.id) {
          const x = a.x + W, y = a.y;
          d = "M" + x + "," + (y + H * 0.3) + " C" + (x + 44) + "," + (y - 12) + " " + (x + 44) + "," + (y + H + 12) + " " + x + "," + (y + H * 0.7);
          mx = x + 36; my = y + H / 2;
        } else {
          const x1 = a.x + W / 2, x2 = b.x + W / 2, top = Math.min(a.y, b.y) - 30;
          d = "M" + x1 + "," + a.y + " C" + x1 + "," + top + " " + x2 + "," + top + " " + x2 + "," + b.y;
          mx = (x1 + x2) / 2; my = top + 8;
        }
        const text = grouped[target].filter(Boolean).join("、");
        edges.append(svg("path", {
          d: d, class: "flow-edge", "marker-end": "url(#flow-arrow)",
          "data-from": node.id, "data-to": target, "data-label": text,
        }));
        if (text) labels.append(svg("text", { x: mx, y: my - 3, "text-anchor": "middle", class: "flow-edge-label", text: text }));
      });
    });
    drawing.append(edges);
    model.nodes.forEach(function (node) {
      const at = place[node.id];
      const classes = ["flow-node"];
      if (node.id === model.start) classes.push("start");
      if (problems[node.id]) classes.push("problem");
      const box = svg("g", {
        class: classes.join(" "), transform: "translate(" + at.x + "," + at.y + ")",
        tabindex: 0, role: "button", "data-node": node.id, "data-testid": "diagram-node",
      }, [
        svg("title", { text: [node.id, detail(node)].concat(problems[node.id] || []).join("\n") }),
        svg("rect", { width: W, height: H, rx: 6 }),
        svg("text", { x: 10, y: 19, class: "flow-node-id", text: clip(node.id, 24) }),
        svg("text", { x: 10, y: 36, class: "flow-node-kind", text: clip(detail(node), 26) }),
      ]);
      if (node.id === model.start) {
        box.append(svg("text", { x: 0, y: -6, class: "flow-start-mark", text: "▶ " + T.start }));
      }
      box.addEventListener("click", function () { goToCard(node.id); });
      box.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); goToCard(node.id); }
      });
      drawing.append(box);
    });
    drawing.append(labels);
    canvas.append(drawing);
  }
  function goToCard(id) {
    const target = cardOf(id);
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    target.classList.remove("flash");
    void target.offsetWidth; // restart the animation
    target.classList.add("flash");
    target.querySelector("[data-field=id]").focus({ preventScroll: true });
  }

  // --- the editor's frame --------------------------------------------------------------
  const startSelect = el("select", { "data-testid": "editor-start", "aria-label": T.start_node });
  startSelect.addEventListener("change", function () { model.start = startSelect.value; commit(); render(); });
  const startProblems = el("div", { "data-testid": "editor-flow-problems" });
  const addKind = choice(D.kinds.map(function (k) { return [k.kind, k.label]; }), "menu", {
    "data-testid": "editor-add-kind", "aria-label": T.new_kind,
  });
  const addButton = el("button", {
    type: "button", class: "primary", text: T.add_node, "data-testid": "editor-add",
    onclick: function () { addNode(addKind.value); },
  });
  const rawToggle = el("button", {
    type: "button", text: T.show_json, "data-testid": "editor-raw-toggle",
    onclick: function () { showRaw(!rawShown); },
  });
  const restoreButton = el("button", {
    type: "button", text: T.restore, hidden: true, "data-testid": "editor-restore",
    onclick: function () { commit(); render(); },
  });
  const empty = el("p", { class: "muted", text: T.no_nodes, "data-testid": "editor-empty" });
  const cards = el("div", { class: "flow-cards", "data-testid": "flow-cards" });
  root.append(
    el("div", { class: "flow-editor-bar" }, [
      el("label", {}, [document.createTextNode(T.start_node), startSelect]),
      el("label", {}, [document.createTextNode(T.new_kind), addKind]),
      addButton,
      el("span", { class: "flow-editor-spacer" }),
      rawToggle,
    ]),
    startProblems,
    el("section", { class: "flow-diagram-box" }, [
      el("h2", { text: T.diagram }),
      el("p", { class: "muted", text: T.diagram_help }),
      el("div", { class: "flow-diagram", "data-testid": "flow-diagram" }),
    ]),
    el("h2", { text: T.editor }),
    empty,
    cards,
  );
  message.after(restoreButton);

  function showRaw(shown) {
    rawShown = shown;
    rawWrapper.hidden = !shown;
    if (help) help.hidden = !shown;
    rawToggle.textContent = shown ? T.hide_json : T.show_json;
    rawToggle.setAttribute("aria-expanded", String(shown));
  }
  // Rebuilds the cards, the start list and the diagram from the model; ``focus`` names
  // the control to focus afterwards ({node, key}), else the one that had the focus.
  function render(focus) {
    const active = document.activeElement;
    if (!focus && active && cards.contains(active) && active.dataset.key) {
      focus = { node: active.closest("[data-testid=node-card]").dataset.node, key: active.dataset.key };
    }
    addButton.disabled = !model;
    startSelect.textContent = "";
    startProblems.textContent = "";
    cards.textContent = "";
    if (!model) { drawDiagram(); return; }
    const ids = nodeIds();
    choice([["", T.choose]].concat(ids.map(function (id) { return [id, id]; })), model.start, {})
      .querySelectorAll("option").forEach(function (option) { startSelect.append(option); });
    startSelect.value = typeof model.start === "string" ? model.start : "";
    (problems[""] || []).forEach(function (text) {
      startProblems.append(el("p", { class: "field-error", role: "alert", text: text }));
    });
    empty.hidden = ids.length > 0;
    model.nodes.forEach(function (node) { cards.append(card(node)); });
    drawDiagram();
    if (focus) {
      const target = cardOf(focus.node);
      const control = target && target.querySelector('[data-key="' + CSS.escape(focus.key) + '"]');
      if (control) control.focus({ preventScroll: true });
    }
  }

  // Enter in the editor's inputs applies the value instead of posting the form.
  root.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.tagName === "INPUT") {
      e.preventDefault();
      e.target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // Edits by hand in the JSON: the editor follows as soon as the text is a flow again.
  textarea.addEventListener("input", function () { if (readText()) render(); });

  const readable = readText();
  root.hidden = false;
  if (table) table.hidden = true;
  showRaw(!readable);
  render();
})();
