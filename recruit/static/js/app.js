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

initReadAloud();
initKeypads();
