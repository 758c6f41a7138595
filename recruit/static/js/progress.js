// Shows a decision pack's progress without reloading: polls its status until it is ready.
function renderReady(box, status) {
  box.textContent = "";
  const p = document.createElement("p");
  p.className = "govuk-body";
  p.append("Ready: ");
  for (const [kind, label] of [["pdf", "PDF"], ["csv", "spreadsheet (CSV)"]]) {
    const a = document.createElement("a");
    a.className = "govuk-link";
    a.href = status[kind];
    a.textContent = label;
    p.append(a);
    if (kind === "pdf") p.append(", ");
  }
  box.append(p);
}

export function initPackStatus() {
  document.querySelectorAll("[data-pack-status]").forEach((box) => {
    const url = box.dataset.packStatus;
    const tick = async () => {
      let status;
      try {
        const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!answer.ok) return;
        status = await answer.json();
      } catch {
        return window.setTimeout(tick, 4000);
      }
      if (status.status === "done") return renderReady(box, status);
      if (status.status === "failed") {
        box.textContent = "The pack could not be made. Please try again.";
        return;
      }
      const percent = box.querySelector("[data-pack-progress]");
      const bar = box.querySelector("progress");
      if (percent) percent.textContent = String(status.progress);
      if (bar) bar.value = status.progress;
      window.setTimeout(tick, 1500);
    };
    if (box.querySelector("[data-pack-progress]")) window.setTimeout(tick, 1000);
  });
}
