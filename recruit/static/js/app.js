// recruit's own behaviour. No inline script anywhere: the CSP forbids it.
import { initAll } from "../dist/govuk-frontend.min.js";
import { initPackStatus } from "./progress.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
initAll();

// "Read it to me": the browser's own speech synthesis reads the button's text aloud.
function initReadAloud() {
  if (!("speechSynthesis" in window)) return;
  document.querySelectorAll("[data-read-aloud]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      window.speechSynthesis.cancel();
      const words = new SpeechSynthesisUtterance(button.dataset.readAloud);
      words.lang = document.documentElement.lang || "en-GB";
      words.rate = 0.9;
      window.speechSynthesis.speak(words);
    });
  });
}

// The PIN keypad: large number keys that type into the PIN box. A screen reader hears
// how many numbers are typed (never which ones) through the keypad's status line.
function initKeypads() {
  document.querySelectorAll("[data-module='app-keypad']").forEach((form) => {
    const input = form.querySelector("[data-keypad-input]");
    const keypad = form.querySelector("[data-keypad]");
    const status = form.querySelector("[data-keypad-status]");
    if (!input || !keypad) return;
    const length = Number(input.getAttribute("maxlength")) || 4;
    const say = () => {
      if (!status) return;
      const typed = input.value.length;
      status.textContent =
        typed >= length
          ? `You have typed all ${length} numbers. Now press Sign in.`
          : `You have typed ${typed} of ${length} numbers.`;
    };
    keypad.hidden = false;
    keypad.querySelectorAll("[data-digit]").forEach((key) => {
      key.addEventListener("click", () => {
        if (input.value.length < length) input.value += key.dataset.digit;
        say();
      });
    });
    keypad.querySelector("[data-keypad-delete]").addEventListener("click", () => {
      input.value = input.value.slice(0, -1);
      say();
    });
  });
}

// Panel weights are shown as shares of 100%: while HR types a weight, say the share it gives.
function initSharePreviews() {
  document.querySelectorAll("[data-share-preview]").forEach((output) => {
    const input = document.getElementById(output.dataset.sharePreview);
    if (!input) return;
    const others = Number(output.dataset.others) || 0;
    const say = () => {
      const weight = Number(input.value.trim().replace(",", "."));
      if (!(weight > 0)) {
        output.textContent = "";
      } else if (others === 0) {
        output.textContent = "This is the only panel so far, so it has 100% of the decision.";
      } else {
        const share = (100 * weight) / (weight + others);
        output.textContent =
          `With this weight, this panel has ${share.toFixed(1)}% of the decision ` +
          `and the other panels have ${(100 - share).toFixed(1)}%.`;
      }
    };
    input.addEventListener("input", say);
    say();
  });
}

initReadAloud();
initKeypads();
initSharePreviews();
initPackStatus();
