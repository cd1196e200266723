// pipeline review: keyboard navigation, editing with chips, saving. No dependencies, no build step.
// Article text reaches the page only as the server escaped it, or through textContent here.
"use strict";
(() => {
  const TAG = /<\s*(\/?)\s*([xXgG])\s*(\d{1,4})\s*(\/?)\s*>/g;

  const home = document.getElementById("home");
  if (home) {
    for (const select of home.querySelectorAll(".filters select")) {
      select.addEventListener("change", () => select.form.requestSubmit());
    }
    return;
  }
  const main = document.getElementById("article");
  if (!main) return;
  const target = main.dataset.target;
  const rel = main.dataset.rel;
  const status = document.getElementById("status");
  const loaded = new WeakMap(); // row -> its text as the server sent it, to tell edited rows
  let current = null;
  const nameBox = document.getElementById("editor-name");
  const NAME_KEY = "pipeline-review-editor";
  const draftKey = (row) => `pipeline-review-draft:${target}/${rel}#${row.dataset.sid}`;
  try {
    const remembered = localStorage.getItem(NAME_KEY);
    if (nameBox && remembered) nameBox.value = remembered;
  } catch (e) { /* storage may be off: the server's name is used */ }
  if (nameBox) nameBox.addEventListener("change", () => { try { localStorage.setItem(NAME_KEY, nameBox.value.trim()); } catch (e) { /* off */ } });
  const editorName = () => (nameBox ? nameBox.value.trim().slice(0, 100) : "");

  const rows = () => Array.from(main.querySelectorAll(".pair"));
  const editorOf = (row) => row.querySelector(".editor");
  const flagged = (row) => row.classList.contains("flagged");
  const attention = (row) => row.classList.contains("attention") || row.classList.contains("dirty") || row.classList.contains("unsaved");
  const say = (text) => { status.textContent = text; };

  // --- placeholders and chips ------------------------------------------------------------------

  function chipsOf(row) {
    try { return JSON.parse(row.dataset.chips || "{}"); } catch (e) { return {}; }
  }
  function canonical(m) {
    const n = Number(m[3]);
    if (m[2].toLowerCase() === "x") return `<x${n}/>`;
    return m[1] ? `</g${n}>` : `<g${n}>`;
  }
  function makeChip(tag, def) {
    const chip = document.createElement("span");
    chip.className = "chip k-" + String(def[0]).toLowerCase().replace(/[^a-z0-9_-]/g, "");
    chip.contentEditable = "false";
    chip.dataset.tag = tag;
    chip.title = def[2];
    chip.textContent = def[1];
    return chip;
  }
  // Placeholder text -> words as text nodes, the source's codes as chips (others dropped).
  function fill(box, text, chips) {
    box.replaceChildren();
    let pos = 0;
    for (const m of text.matchAll(TAG)) {
      if (m.index > pos) box.append(text.slice(pos, m.index));
      const tag = canonical(m);
      if (chips[tag]) box.append(makeChip(tag, chips[tag]));
      pos = m.index + m[0].length;
    }
    if (pos < text.length) box.append(text.slice(pos));
  }
  // The editor -> placeholder text. Something typed that looks like a code stays words, as the
  // pipeline does with an author's text ("<" becomes "‹").
  function serialise(node) {
    let out = "";
    for (const c of node.childNodes) {
      if (c.nodeType === Node.TEXT_NODE) out += c.data.replace(TAG, (t) => t.replace("<", "\u2039"));
      else if (c.nodeType === Node.ELEMENT_NODE) {
        if (c.dataset && c.dataset.tag) out += c.dataset.tag;
        else out += c.tagName === "BR" ? " " : serialise(c);
      }
    }
    return out;
  }
  const textOf = (row) => serialise(editorOf(row)).replace(/\s+/g, " ").trim();

  function updateMissing(row) {
    const box = row.querySelector(".missing-chips");
    const chips = chipsOf(row);
    const present = new Set(Array.from(editorOf(row).querySelectorAll("[data-tag]"), (c) => c.dataset.tag));
    const missing = Object.keys(chips).filter((t) => !present.has(t));
    box.replaceChildren();
    if (!missing.length) return;
    box.append("Missing (click, or Ctrl+I, to put back at the cursor): ");
    for (const tag of missing) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "insert";
      b.dataset.insert = tag;
      b.append(makeChip(tag, chips[tag]));
      box.append(b);
    }
  }
  function insertChip(row, tag) {
    const editor = editorOf(row);
    const chip = makeChip(tag, chipsOf(row)[tag]);
    const sel = window.getSelection();
    if (sel.rangeCount && editor.contains(sel.getRangeAt(0).startContainer)) {
      const r = sel.getRangeAt(0);
      r.deleteContents();
      r.insertNode(chip);
      r.setStartAfter(chip);
      r.collapse(true);
      sel.removeAllRanges();
      sel.addRange(r);
    } else {
      editor.append(chip);
    }
    changed(row);
  }
  function changed(row) {
    const dirty = textOf(row) !== loaded.get(row);
    row.classList.toggle("dirty", dirty);
    updateMissing(row);
    keepDraft(row, dirty);
  }
  // Unsaved text survives a reload or a restarted server (same address): put back when the page opens.
  function keepDraft(row, dirty) {
    try {
      if (dirty) localStorage.setItem(draftKey(row), JSON.stringify({ base: row.dataset.base, text: textOf(row) }));
      else localStorage.removeItem(draftKey(row));
    } catch (e) { /* storage off: the text stays in this page only */ }
  }
  function restoreDraft(row) {
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(draftKey(row)) || "null"); } catch (e) { draft = null; }
    if (!draft || typeof draft.text !== "string" || draft.text === loaded.get(row)) return;
    row.dataset.base = String(draft.base || row.dataset.base); // saved against what it was written on: a change since is a conflict
    fill(editorOf(row), draft.text, chipsOf(row));
    changed(row);
    row.classList.add("unsaved");
    note(row, "Your unsaved text from before is back in the editor: save it, or revert.", "error");
  }
  function insertText(row, text) {
    const editor = editorOf(row);
    const sel = window.getSelection();
    if (!(sel.rangeCount && editor.contains(sel.getRangeAt(0).startContainer))) caretToEnd(editor);
    document.execCommand("insertText", false, text);
    changed(row);
  }
  function take(row, i) {
    let list = [];
    try { list = JSON.parse(row.dataset.suggestions || "[]"); } catch (e) { list = []; }
    const s = list[i];
    if (!s) return say("No such suggestion for this sentence.");
    if (s[0] === "glossary") {
      if (!(document.activeElement && editorOf(row).contains(document.activeElement))) select(row, true);
      insertText(row, s[1]);
    } else {
      put(row, s[1]);
    }
  }
  function restoreVersion(row, i) {
    let list = [];
    try { list = JSON.parse(row.dataset.history || "[]"); } catch (e) { list = []; }
    if (list[i] == null) return;
    put(row, list[i]);
    row.dataset.restored = "1";
    note(row, "An earlier version is in the editor: save to restore it.", "");
  }
  function nextMissing(row) {
    const first = row.querySelector(".missing-chips [data-insert]");
    if (first) insertChip(row, first.dataset.insert);
    else say("Nothing is missing from this translation.");
  }
  function put(row, text) {
    if (text == null) return;
    fill(editorOf(row), text, chipsOf(row));
    changed(row);
    select(row, true);
  }
  function revert(row) {
    if (row.dataset.machine == null) note(row, "No machine translation is kept for this sentence.", "error");
    else put(row, row.dataset.machine);
  }

  // --- moving around --------------------------------------------------------------------------

  function setCurrent(row) {
    if (current === row) return;
    if (current) current.classList.remove("current");
    current = row;
    if (row) row.classList.add("current");
  }
  function caretToEnd(el) {
    const r = document.createRange();
    r.selectNodeContents(el);
    r.collapse(false);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }
  function select(row, edit) {
    if (!row) return false;
    setCurrent(row);
    const el = edit ? editorOf(row) : row;
    el.focus({ preventScroll: true });
    row.scrollIntoView({ block: "center" });
    if (edit) caretToEnd(el);
    return true;
  }
  function move(step, test, edit) {
    const list = rows();
    let i = current ? list.indexOf(current) : step > 0 ? -1 : list.length;
    for (i += step; i >= 0 && i < list.length; i += step) {
      if (!test || test(list[i])) return select(list[i], edit);
    }
    say("No further sentence of that kind in this direction.");
    return false;
  }

  // --- saving ---------------------------------------------------------------------------------

  function note(row, text, kind) {
    const m = row.querySelector(".msg");
    if (m) {
      m.textContent = text;
      m.className = "msg " + (kind || "");
    }
  }
  function replaceRow(row, html) {
    const t = document.createElement("template");
    t.innerHTML = html; // the server's own rendering: every piece of article text escaped there
    const fresh = t.content.firstElementChild;
    row.replaceWith(fresh);
    if (current === row) current = null;
    setCurrent(fresh);
    if (fresh.classList.contains("pair")) loaded.set(fresh, textOf(fresh));
    return fresh;
  }
  function counts(data) {
    for (const key of ["flagged", "unreviewed", "needs_editing", "reviewed", "sentences"]) {
      const el = document.getElementById("count-" + key);
      if (el && typeof data[key] === "number") el.textContent = String(data[key]);
    }
    const p = document.getElementById("progress");
    if (p && data.sentences) p.textContent = Math.floor((100 * data.reviewed) / data.sentences) + "%";
  }
  // One write to the server (POST /api/action/<name>); what it answered, or why there is no answer.
  async function post(name, body) {
    try {
      const res = await fetch("/api/action/" + encodeURIComponent(name), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ target, rel, editor: editorName(), ...body }),
      });
      return await res.json();
    } catch (e) {
      return {
        status: "error",
        message: "The review server does not answer: it was stopped or restarted. Start `pipeline review` again if needed and open the address it prints.",
      };
    }
  }
  function failed(row, data) {
    row.classList.add("unsaved");
    note(row, (data.message || "Not saved.") + (data.status === "restarted" ? "" : " Your text is kept here."), "error");
    say(data.status === "restarted" ? "The review server was restarted: open the address it printed." : "Not saved.");
  }
  function conflict(row, data, spec) {
    row.classList.add("unsaved");
    const chips = chipsOf(row);
    const old = row.querySelector(".conflict");
    if (old) old.remove();
    const box = document.createElement("div");
    box.className = "conflict";
    const head = document.createElement("p");
    head.textContent = data.message;
    const theirs = document.createElement("div");
    theirs.className = "theirs";
    fill(theirs, data.current || "", chips);
    const mine = document.createElement("div");
    mine.className = "mine";
    fill(mine, data.mine || "", chips);
    const label = (text) => { const l = document.createElement("div"); l.className = "label"; l.textContent = text; return l; };
    const keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Keep mine";
    keep.addEventListener("click", () => { row.dataset.base = data.base; box.remove(); run(row, spec); });
    const take = document.createElement("button");
    take.type = "button";
    take.textContent = "Take theirs";
    // theirs stays; mine is kept in the sentence's history, never lost (actions/take_theirs.py)
    take.addEventListener("click", () => run(row, { ...TAKE_THEIRS, body: { lost: data.mine || "" } }, data.base));
    box.append(head, label("Saved meanwhile"), theirs, label("Yours"), mine, keep, take);
    row.querySelector(".tgt").append(box);
    note(row, "Not saved: conflict.", "error");
  }

  // --- actions: each is a button the server rendered (actions/ in the package), posted alike ----

  const DONE = { saved: "Saved.", approved: "Approved.", unchanged: "No change to save.", marked: "Marked." };
  const TAKE_THEIRS = { name: "take-theirs", body: {}, done: "Theirs kept; yours is in the history." };
  // What a button posts, from its data attributes (pages.py / panels.action_button).
  function specOf(b) {
    let body = {};
    try { body = JSON.parse(b.dataset.body || "{}"); } catch (e) { body = {}; }
    const d = b.dataset;
    return { name: d.action, body, text: !!d.text, working: d.working, done: d.done, then: d.then, clean: d.clean };
  }
  // One action on a sentence as the page shows it (or as `base` names it, after a conflict).
  async function run(row, spec, base) {
    if (!row || !row.classList.contains("pair") || row.dataset.saving) return;
    if (spec.clean && row.classList.contains("dirty")) return note(row, spec.clean, "error");
    const wasEditing = !!(document.activeElement && document.activeElement.closest(".editor"));
    const body = { id: row.dataset.sid, base: base || row.dataset.base, ...spec.body };
    if (spec.text) {
      body.text = textOf(row);
      if (!body.text) return note(row, "The translation is empty: nothing saved.", "error");
      if (row.dataset.restored) body.restored = true; // an earlier version from the history: saved as restoring it
    }
    if (spec.working) note(row, spec.working, "");
    row.dataset.saving = "1";
    const data = await post(spec.name, body);
    delete row.dataset.saving;
    if (DONE[data.status] && data.row) {
      keepDraft(row, false);
      const fresh = replaceRow(row, data.row);
      counts(data);
      say(spec.done || DONE[data.status]);
      if (!(spec.then === "next" && move(1, attention, wasEditing))) select(fresh, false);
    } else if (data.status === "conflict" && data.row && spec.text) {
      conflict(row, data, spec);
      say("Conflict: someone else saved this sentence meanwhile.");
    } else if (data.status === "conflict" && data.row) {
      note(row, data.message, "error");
    } else {
      failed(row, data);
    }
  }
  // The keys the actions bind (the keyboard help lists them: data-keys), and what a key says
  // on a sentence that does not offer its action.
  const actionKeys = new Map();
  for (const dt of document.querySelectorAll("details.keys dt[data-keys]")) {
    for (const k of dt.dataset.keys.split(" ")) actionKeys.set(k, dt.dataset.none || "");
  }
  const keyName = (e) => (e.ctrlKey || e.metaKey ? "Ctrl+" : "") + (e.altKey ? "Alt+" : "") + (e.shiftKey && e.key.length > 1 ? "Shift+" : "") + e.key;
  // A key an action binds: its button on the current sentence. True when the key was an action's.
  function actionKey(e) {
    const name = keyName(e);
    if (!actionKeys.has(name)) return false;
    e.preventDefault();
    if (!current) return true;
    const b = Array.from(current.querySelectorAll("button[data-action][data-key]")).find((x) => x.dataset.key.split(" ").includes(name));
    if (b && !b.disabled) run(current, specOf(b));
    else say(actionKeys.get(name) || "Not for this sentence.");
    return true;
  }

  // --- events ---------------------------------------------------------------------------------

  for (const row of rows()) {
    loaded.set(row, textOf(row));
    restoreDraft(row);
  }

  main.addEventListener("focusin", (e) => {
    const row = e.target.closest(".pair");
    if (row) setCurrent(row);
  });
  main.addEventListener("mousedown", (e) => {
    if (e.target.closest("button.insert")) e.preventDefault(); // keep the caret in the editor
  });
  main.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    const row = b && b.closest(".pair");
    if (!row) return;
    setCurrent(row);
    if (b.dataset.insert) return insertChip(row, b.dataset.insert);
    if (b.dataset.take) return take(row, Number(b.dataset.take));
    if (b.dataset.restore) return restoreVersion(row, Number(b.dataset.restore));
    if (b.dataset.action) return run(row, specOf(b));
    const local = {
      revert: () => revert(row),
      copy: () => put(row, row.dataset.source),
      suggestion: () => put(row, row.dataset.suggestion),
    }[b.dataset.local];
    if (local) local();
  });
  main.addEventListener("input", (e) => {
    const row = e.target.closest(".pair");
    if (row && e.target.classList.contains("editor")) changed(row);
  });
  main.addEventListener("paste", (e) => {
    if (!e.target.closest(".editor")) return;
    e.preventDefault(); // plain text only: markup comes from chips, never from the clipboard
    const text = (e.clipboardData.getData("text/plain") || "").replace(/\s+/g, " ");
    document.execCommand("insertText", false, text);
  });
  main.addEventListener("drop", (e) => {
    if (e.target.closest(".editor")) e.preventDefault();
  });
  window.addEventListener("beforeunload", (e) => {
    if (main.querySelector(".pair.dirty, .pair.unsaved")) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  document.addEventListener("keydown", (e) => {
    const inEditor = !!(e.target.closest && e.target.closest(".editor"));
    if ((e.ctrlKey || e.metaKey) && actionKey(e)) return; // an action's key with Ctrl works while editing too
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && ["1", "2", "3"].includes(e.key)) {
      e.preventDefault();
      if (current) take(current, Number(e.key) - 1);
      return;
    }
    if (inEditor && (e.ctrlKey || e.metaKey) && !e.shiftKey && (e.key === "i" || e.key === "I")) {
      e.preventDefault();
      if (current) nextMissing(current);
      return;
    }
    if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      move(e.key === "ArrowDown" ? 1 : -1, null, inEditor);
      return;
    }
    if (inEditor) {
      if (e.key === "Escape") {
        e.preventDefault();
        select(current, false);
      } else if (e.key === "Enter") {
        e.preventDefault(); // a sentence is one line
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.target.closest && e.target.closest("input, select, textarea")) return;
    if (e.key === "Enter" && e.target.closest && e.target.closest("button, a, summary")) return;
    if (actionKey(e)) return;
    const keys = {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      n: () => move(1, attention),
      f: () => move(1, flagged),
      F: () => move(-1, flagged),
      Enter: () => (current ? select(current, true) : move(1, null, true)),
      e: () => (current ? select(current, true) : move(1, null, true)),
      r: () => current && revert(current),
      c: () => current && put(current, current.dataset.source),
      h: () => { const d = current && current.querySelector("details.history"); if (d) d.open = !d.open; },
      N: () => { const a = document.querySelector("a#next-article"); if (a) location.href = a.href; },
      "?": () => { const d = document.querySelector("details.keys"); d.open = !d.open; },
    };
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  });

  if (location.hash) {
    const row = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (row && row.classList.contains("pair")) select(row, false);
  }
})();
