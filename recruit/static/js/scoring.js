// Scoring on the interview day. Loaded only by the scoring pages (templates/scoring/).
//
// Nothing is lost: every answer is saved as a draft as soon as it is given, by
// PUT /api/v1/candidates/{id}/scoresheet with the page's CSRF token and a fresh
// Idempotency-Key. Requests wait in a queue kept in IndexedDB (so they survive the Wi-Fi
// dropping, the page closing and the tablet sleeping) and are sent in order: on load, on the
// `online` event, when the page becomes visible, after each answer and on a retry timer.
// iPads have no Background Sync, so the page does this itself.
//
// An item leaves the queue only on a 2xx answer or an idempotent replay, or when the server
// refuses it for good (409, 422, ...): that is said in plain words and the item is dropped.
// A 401 (signed out, or the page's CSRF token no longer valid) keeps everything and asks
// the person to sign in again; what waited is sent once they have.
//
// The tablet is shared: each queued request belongs to the person who gave the answer and
// is only ever sent while that same person is signed in (header X-Recruit-User, checked by
// the server), never as the next person to use the tablet.

const DB_NAME = "recruit-scoring";
const STORE = "requests";
const LOCK_NAME = "recruit-scoring-queue";
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30000;

// --- the queue: IndexedDB, or memory where a browser has none ------------------------------

class Queue {
  constructor() {
    this.db = null;
    this.memory = [];
    this.nextId = 1;
  }

  async open() {
    if (!("indexedDB" in window)) return;
    try {
      this.db = await new Promise((resolve, reject) => {
        const request = window.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore(STORE, {
            keyPath: "id",
            autoIncrement: true,
          });
          store.createIndex("user", "user");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error("IndexedDB is blocked"));
      });
    } catch {
      this.db = null; // private browsing on an old browser: keep the queue in memory
    }
  }

  run(mode, work) {
    return new Promise((resolve, reject) => {
      const transaction = this.db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  async add(item) {
    if (!this.db) {
      this.memory.push({ ...item, id: this.nextId++ });
      return;
    }
    await this.run("readwrite", (store) => store.add(item));
  }

  // This person's requests, oldest first (an index lists equal keys by primary key).
  async list(user) {
    if (!this.db) return this.memory.filter((item) => item.user === user);
    return this.run("readonly", (store) => store.index("user").getAll(IDBKeyRange.only(user)));
  }

  async remove(id) {
    if (!this.db) {
      this.memory = this.memory.filter((item) => item.id !== id);
      return;
    }
    await this.run("readwrite", (store) => store.delete(id));
  }
}

function newKey() {
  if (window.crypto.randomUUID) return `scoring-${window.crypto.randomUUID()}`;
  const bytes = window.crypto.getRandomValues(new Uint8Array(16)); // plain http on a LAN
  return `scoring-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// One sender at a time across the tablet's tabs, so that requests go in order.
function withLock(work) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request(LOCK_NAME, work);
  return work();
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// What a refusal means, in plain words.
function plainRefusal(item, status, body) {
  const code = body && body.error ? body.error.code : "";
  const about = item.alias ? ` for ${item.alias}` : "";
  if (code === "amend_reason_required") {
    return `Your scores${about} were already sent, so this change was not saved. To change them, choose “I need to change my answers” and say why.`;
  }
  if (code === "conflict_of_interest") {
    return `You said you know this person, so your answer${about} was not saved.`;
  }
  if (code === "declaration_required") {
    return `Please agree to keep things private first. Your answer${about} was not saved.`;
  }
  if (code === "not_interviewing") {
    return `Scoring${about} has closed, so this answer was not saved.`;
  }
  if (status === 422) {
    const why = body && body.error && body.error.fields ? Object.values(body.error.fields).flat()[0] : "";
    return `This answer${about} could not be saved. ${why || (body && body.error ? body.error.message : "")}`.trim();
  }
  return (body && body.error && body.error.message) || `Something went wrong. This answer${about} was not saved.`;
}

// --- sending -----------------------------------------------------------------------------------

class Sender {
  constructor(root) {
    this.root = root;
    this.user = root.dataset.user;
    this.csrf = root.dataset.csrf;
    this.queue = new Queue();
    this.pending = 0;
    this.flushing = false;
    this.again = false;
    this.retryMs = 0;
    this.timer = null;
    this.unreachable = false;
    this.signInNeeded = false;
    this.handlers = { saved: [], refused: [] };
  }

  on(event, handler) {
    this.handlers[event].push(handler);
  }

  emit(event, ...args) {
    this.handlers[event].forEach((handler) => handler(...args));
  }

  async open() {
    await this.queue.open();
    await this.count();
  }

  start() {
    window.addEventListener("online", () => this.flush());
    window.addEventListener("offline", () => this.render());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.flush();
    });
    const ok = this.root.querySelector("[data-save-problem-ok]");
    ok.addEventListener("click", () => {
      this.root.querySelector("[data-save-problem]").hidden = true;
    });
    this.flush();
  }

  async enqueue(item) {
    await this.queue.add({
      user: this.user,
      key: newKey(),
      at: new Date().toISOString(),
      ...item,
    });
    await this.count();
    this.flush();
  }

  async count() {
    this.pending = (await this.queue.list(this.user)).length;
    this.render();
  }

  async flush() {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    window.clearTimeout(this.timer);
    try {
      do {
        this.again = false;
        await withLock(() => this.drain());
      } while (this.again);
    } finally {
      this.flushing = false;
      await this.count();
    }
  }

  retryLater() {
    this.retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryMs * 2));
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.flush(), this.retryMs);
  }

  async drain() {
    for (;;) {
      const items = await this.queue.list(this.user);
      this.pending = items.length;
      this.render();
      if (items.length === 0) {
        this.retryMs = 0;
        return;
      }
      if (navigator.onLine === false) {
        this.unreachable = true; // sent on the `online` event
        this.render();
        return;
      }
      const item = items[0];
      let response;
      let body = null;
      try {
        response = await fetch(item.url, {
          method: "PUT",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": this.csrf,
            "X-Recruit-User": this.user,
            "Idempotency-Key": item.key,
          },
          body: JSON.stringify(item.body),
        });
        body = await response.json().catch(() => null);
      } catch {
        this.unreachable = true; // no network: keep everything, try again later
        this.render();
        this.retryLater();
        return;
      }
      this.unreachable = false;
      const replayed = response.headers.get("Idempotent-Replayed") === "true";
      if (response.ok || replayed) {
        await this.queue.remove(item.id);
        this.signInNeeded = false;
        if (response.ok) this.emit("saved", item, body);
        else this.emit("refused", item, plainRefusal(item, response.status, body));
        continue;
      }
      if (response.status === 401) {
        this.signInNeeded = true; // keep the queue: it is sent once they sign in again
        this.render();
        return;
      }
      const code = body && body.error ? body.error.code : "";
      if (response.status === 409 && code === "idempotency_in_progress") {
        this.retryLater();
        return;
      }
      if ([400, 403, 404, 409, 413, 422].includes(response.status)) {
        await this.queue.remove(item.id); // refused for good: say so, and go on
        this.emit("refused", item, plainRefusal(item, response.status, body));
        continue;
      }
      this.retryLater(); // 429, 5xx: the server is busy; keep it and try again
      return;
    }
  }

  problem(message) {
    this.root.querySelector("[data-save-problem-text]").textContent = message;
    this.root.querySelector("[data-save-problem]").hidden = false;
  }

  render() {
    const status = this.root.querySelector("[data-save-status]");
    const text = this.root.querySelector("[data-save-text]");
    const words =
      this.pending === 0
        ? "All your answers are saved"
        : `${plural(this.pending, "answer")} waiting to send`;
    if (text.textContent !== words) text.textContent = words;
    status.classList.toggle("app-save__status--saved", this.pending === 0);
    status.classList.toggle("app-save__status--waiting", this.pending > 0);
    const offline = this.pending > 0 && (navigator.onLine === false || this.unreachable);
    this.root.querySelector("[data-save-offline]").hidden = !offline;
    this.root.querySelector("[data-sign-in-again]").hidden = !(this.signInNeeded && this.pending > 0);
  }
}

// --- the scoring screen ----------------------------------------------------------------------

function textWithoutPictures(element) {
  const copy = element.cloneNode(true);
  copy.querySelectorAll("[aria-hidden='true']").forEach((hidden) => hidden.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

async function initScoresheet(form, sender) {
  const steps = [...form.querySelectorAll("[data-step]")];
  const stepInput = form.querySelector("[data-step-input]");
  const next = form.querySelector("[data-next]");
  const back = form.querySelector("[data-back]");
  const sending = document.querySelector("[data-sending]");
  const comment = form.querySelector("[data-comment]");
  const candidate = form.dataset.candidate;
  const alias = form.dataset.alias;
  const url = form.dataset.api;
  const titleEnd = document.title.lastIndexOf(" – ");
  const suffix = titleEnd === -1 ? "" : document.title.slice(titleEnd);
  let current = Math.max(0, steps.findIndex((step) => !step.hidden));
  let lastComment = comment ? comment.value.trim() : "";
  let commentTimer = null;

  const enqueue = (body, extra = {}) => sender.enqueue({ url, candidate, alias, body, ...extra });

  function radio(name, value) {
    return form.querySelector(`input[name="${name}"][value="${value}"]`);
  }

  // Answers still waiting in the queue are newer than what the server drew: show them.
  function apply(body) {
    (body.scores || []).forEach(({ quality_id: id, value }) => {
      const input = radio(`q-${id}`, value === null ? "not_sure" : value);
      if (input) input.checked = true;
    });
    if (body.would_work_with) {
      const input = radio("would_work_with", body.would_work_with);
      if (input) input.checked = true;
    }
    if (comment && typeof body.comment === "string") {
      comment.value = body.comment;
      lastComment = body.comment.trim();
    }
  }

  function saveComment() {
    window.clearTimeout(commentTimer);
    if (!comment || comment.value.trim() === lastComment) return;
    lastComment = comment.value.trim();
    enqueue({ scores: [], comment: comment.value, submit: false });
  }

  function answerFor(name) {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    const span = document.createElement("span");
    span.className = "app-answer";
    if (!input) {
      span.classList.add("app-answer--none");
      span.textContent = "No answer yet";
      return [span, "no answer yet"];
    }
    const label = form.querySelector(`label[for="${input.id}"]`);
    const face = label.querySelector(".app-face").cloneNode(true);
    face.classList.add("app-face--small");
    const word = document.createElement("span");
    word.className = "app-answer__word";
    word.textContent = label.querySelector(".app-choice__word").textContent;
    span.append(face, word);
    return [span, word.textContent];
  }

  function updateSummary() {
    const spoken = ["Check your answers."];
    form.querySelectorAll("[data-summary-value]").forEach((cell) => {
      const name = cell.dataset.summaryValue;
      const question = textWithoutPictures(
        form.querySelector(`[data-summary-question="${name}"]`),
      );
      if (name === "comment") {
        cell.textContent = (comment && comment.value.trim()) || "Nothing";
        spoken.push(`${question}: ${cell.textContent}.`);
        return;
      }
      const [shown, word] = answerFor(name);
      cell.replaceChildren(shown);
      spoken.push(`${question} ${word}.`);
    });
    const read = form.querySelector("[data-kind='summary'] [data-read-aloud]");
    if (read) read.dataset.readAloud = spoken.join(" ");
  }

  function show(index, { focus = true } = {}) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach((step, n) => {
      step.hidden = n !== current;
    });
    const kind = steps[current].dataset.kind;
    stepInput.value = String(current);
    next.value = kind === "summary" ? "submit" : "next";
    next.textContent = kind === "summary" ? "Send my scores" : "Next";
    back.hidden = current === 0;
    document.title = `${steps[current].dataset.title}${suffix}`;
    if (kind === "summary") updateSummary();
    window.scrollTo(0, 0);
    if (focus) {
      const heading = steps[current].querySelector("[data-step-heading]");
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  function showSending(sendingNow) {
    form.hidden = sendingNow;
    sending.hidden = !sendingNow;
    if (sendingNow) sending.focus();
  }

  async function submitAll() {
    window.clearTimeout(commentTimer);
    const scores = [...form.querySelectorAll("input[data-quality]:checked")].map((input) => ({
      quality_id: Number(input.dataset.quality),
      value: input.value === "not_sure" ? null : Number(input.value),
    }));
    const body = { scores, submit: true };
    if (comment) {
      body.comment = comment.value;
      lastComment = comment.value.trim();
    }
    const would = form.querySelector("input[data-would-work-with]:checked");
    if (would) body.would_work_with = would.value;
    showSending(true);
    await enqueue(body, { submit: true });
  }

  const waiting = (await sender.queue.list(sender.user)).filter((item) => item.candidate === candidate);
  waiting.forEach((item) => apply(item.body));
  if (waiting.some((item) => item.submit)) showSending(true);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const kind = steps[current].dataset.kind;
    const go = (event.submitter && event.submitter.value) || (kind === "summary" ? "submit" : "next");
    if (go === "back") {
      saveComment();
      show(current - 1);
    } else if (go === "submit") {
      submitAll();
    } else {
      saveComment();
      show(current + 1);
    }
  });

  form.addEventListener("change", (event) => {
    const input = event.target;
    if (input.matches("input[data-quality]")) {
      const value = input.value === "not_sure" ? null : Number(input.value);
      enqueue({ scores: [{ quality_id: Number(input.dataset.quality), value }], submit: false });
    } else if (input.matches("input[data-would-work-with]")) {
      enqueue({ scores: [], would_work_with: input.value, submit: false });
    } else if (input === comment) {
      saveComment();
    }
  });

  if (comment) {
    comment.addEventListener("input", () => {
      window.clearTimeout(commentTimer);
      commentTimer = window.setTimeout(saveComment, 1500);
    });
  }

  form.querySelectorAll("[data-goto]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      show(Number(link.dataset.goto));
    });
  });

  // Keyboards and switches: Tab (and Shift+Tab) steps through every picture one by one, not
  // only the chosen one as radio buttons usually do; Enter or Space chooses. Arrow keys work
  // as usual.
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    const group = target.closest(".app-choices");
    if (!group) return;
    if (event.key === "Enter" && target.matches(".app-choice__input")) {
      event.preventDefault(); // choose, rather than send the form
      if (!target.checked) {
        target.checked = true;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    if (event.key !== "Tab" || event.altKey || event.ctrlKey || event.metaKey) return;
    const stops = [...group.querySelectorAll(".app-choice__input, .app-choice__read")].filter(
      (element) => !element.hidden,
    );
    const at = stops.indexOf(target);
    const to = at + (event.shiftKey ? -1 : 1);
    if (at !== -1 && to >= 0 && to < stops.length) {
      event.preventDefault();
      stops[to].focus();
    }
  });

  sender.on("saved", (item, body) => {
    if (item.candidate === candidate && item.submit && body && body.status === "submitted") {
      window.location.replace(form.dataset.page); // the page that says they are sent
    }
  });
  sender.on("refused", (item, message) => {
    sender.problem(message);
    if (item.candidate === candidate && item.submit) showSending(false);
  });

  show(current, { focus: false });
}

// --- the list of candidates --------------------------------------------------------------------

function initList(sender) {
  const list = document.querySelector("[data-score-list]");
  // What waited has now been saved: show each candidate's state as it now is.
  sender.on("saved", (item, body) => {
    const row = list && list.querySelector(`[data-candidate="${item.candidate}"]`);
    if (!row || !body) return;
    const state = body.status === "submitted" ? "sent" : "draft";
    const tag = row.querySelector("[data-state-tag]");
    if (tag.classList.contains("app-state--sent")) return;
    tag.className = `govuk-tag app-state app-state--${state}`;
    tag.textContent = list.dataset[state];
    const go = row.querySelector("[data-go-word]");
    if (go) go.textContent = state === "sent" ? "See your scores" : "Carry on";
  });
  sender.on("refused", (item, message) => sender.problem(message));
}

// --- the panel lead's view of the day ------------------------------------------------------------

function initStatusBoard(table) {
  const seconds = Number(table.dataset.refresh) || 15;
  const checked = document.querySelector("[data-status-checked]");
  const news = document.querySelector("[data-status-news]");
  const nameOf = (id) => table.querySelector(`[data-member-name="${id}"]`).textContent.trim();
  const aliasOf = (id) => table.querySelector(`[data-candidate-alias="${id}"]`).textContent.trim();

  async function refresh() {
    if (document.visibilityState === "hidden") return;
    let data;
    try {
      const response = await fetch(table.dataset.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.redirected || response.status === 401) {
        checked.textContent = "Please sign in again to see changes.";
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch {
      checked.textContent = "Could not check just now. Trying again soon.";
      return;
    }
    const changes = [];
    Object.entries(data.cells).forEach(([key, state]) => {
      const cell = table.querySelector(`[data-cell="${key}"]`);
      if (!cell || cell.dataset.state === state) return;
      const [member, candidate] = key.split("-");
      if (state === "sent") changes.push(`${nameOf(member)} has sent scores for ${aliasOf(candidate)}.`);
      cell.dataset.state = state;
      const tag = cell.querySelector(".app-state");
      tag.className = `govuk-tag app-state app-state--${state}`;
      tag.textContent = data.words[state];
    });
    Object.entries(data.candidates).forEach(([id, count]) => {
      const element = table.querySelector(`[data-candidate-count="${id}"]`);
      if (element) element.textContent = `${count.sent} of ${count.expected} sent`;
    });
    Object.entries(data.outstanding).forEach(([id, count]) => {
      const form = table.querySelector(`[data-remind="${id}"]`);
      if (form) form.hidden = count === 0;
      const done = table.querySelector(`[data-remind-done="${id}"]`);
      if (done) done.hidden = count !== 0;
    });
    checked.textContent = `Checked at ${new Date().toLocaleTimeString("en-GB")}`;
    if (changes.length) news.textContent = changes.join(" ");
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
}

// --- start ---------------------------------------------------------------------------------------

// A scoring page brought back from the browser's cache may belong to someone who has since
// signed out of this shared tablet: always ask the server again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) window.location.reload();
});

const root = document.querySelector("[data-scoring-queue]");
if (root) {
  const sender = new Sender(root);
  await sender.open();
  const form = document.querySelector("[data-module='app-scoresheet']");
  if (form) await initScoresheet(form, sender);
  else initList(sender);
  sender.start();
}

const board = document.querySelector("[data-module='app-scoring-status']");
if (board) initStatusBoard(board);
