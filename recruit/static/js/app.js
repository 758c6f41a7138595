// recruit's own behaviour. No inline script anywhere: the CSP forbids it.
import { initAll } from "../dist/govuk-frontend.min.js";

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

// The PIN keypad: large number keys that type into the PIN box.
function initKeypads() {
  document.querySelectorAll("[data-module='app-keypad']").forEach((form) => {
    const input = form.querySelector("[data-keypad-input]");
    const keypad = form.querySelector("[data-keypad]");
    if (!input || !keypad) return;
    keypad.hidden = false;
    keypad.querySelectorAll("[data-digit]").forEach((key) => {
      key.addEventListener("click", () => {
        if (input.value.length < 4) input.value += key.dataset.digit;
      });
    });
    keypad.querySelector("[data-keypad-delete]").addEventListener("click", () => {
      input.value = input.value.slice(0, -1);
    });
  });
}

initReadAloud();
initKeypads();
