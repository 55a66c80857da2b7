// Exam page: countdown, autosave and progress. The server keeps the deadline;
// this script only shows it, saves answers as they change and, when time is
// up, submits (autosubmit policy) or locks the answers (grace policy).
(function () {
  "use strict";
  var status = document.getElementById("exam-status");
  var form = document.getElementById("exam-form");
  if (!status || !form) { return; }

  var data = status.dataset;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var clock = null;  // {left: ms left by the server's reckoning, at: this computer's Date.now() then}
  var countdown = document.getElementById("countdown");
  var announcer = document.getElementById("announcer");
  var saveState = document.getElementById("save-state");
  var announced = {};
  var locked = false;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // An instant from the server, only with its offset ("Z" or "+00:00"): a bare
  // "2026-03-02T09:30:00" would be read as this computer's local time.
  function instant(text) {
    return /(Z|[+-]\d\d:\d\d)$/.test(text || "") ? Date.parse(text) : NaN;
  }

  // Time left is the server's deadline minus the server's now; this computer's
  // clock only measures the time elapsed since (it keeps running through a
  // laptop's sleep), so neither its time zone nor its being wrong matters.
  function setClock(deadline, serverNow) {
    var left = instant(deadline) - instant(serverNow);
    if (!isNaN(left)) { clock = { left: left, at: Date.now() }; }
  }

  function tick() {
    if (!clock) { return; }  // no usable time from the server: keep the printed "until" time, never submit
    var left = Math.max(0, Math.floor((clock.left - (Date.now() - clock.at)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    countdown.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);  // the label before it says "Time left"
    // Screen readers hear the time at a few moments only, never every second.
    [[600, fill(data.msgMinutes, { n: 10 })], [300, fill(data.msgMinutes, { n: 5 })],
     [60, data.msgMinute], [30, data.msgSeconds]].forEach(function (mark) {
      if (left <= mark[0] && left > mark[0] - 5 && !announced[mark[0]]) {
        announced[mark[0]] = true;
        announce(mark[1]);
      }
    });
    if (left === 0 && !locked) { timeUp(); }
  }

  function timeUp() {
    locked = true;
    form.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) { input.disabled = true; });
    var save = document.getElementById("save-button");
    if (save) { save.disabled = true; }
    if (data.policy === "autosubmit") {
      announce(data.msgTimeUp);
      form.submit();
    } else {
      announce(data.msgGrace);
    }
  }

  function answeredCount() {
    return form.querySelectorAll("fieldset.question").length -
      Array.prototype.filter.call(form.querySelectorAll("fieldset.question"), function (set) {
        return !set.querySelector("input:checked");
      }).length;
  }

  function showProgress(answered) {
    var bar = document.getElementById("answered-bar");
    bar.setAttribute("aria-valuenow", answered);
    bar.firstElementChild.style.width = Math.round(100 * answered / Number(data.total)) + "%";
    document.getElementById("answered-text").textContent = fill(data.msgAnswered, { n: answered, total: data.total });
  }

  function save(fieldset) {
    var position = fieldset.dataset.position;
    var chosen = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return i.value; });
    var body = { answers: {} };
    body.answers[position] = chosen;
    fetch(data.saveUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (payload) { return { ok: response.ok, payload: payload }; });
    }).then(function (result) {
      if (result.ok) {
        saveState.textContent = data.msgSaved;
        showProgress(result.payload.answered);
        setClock(result.payload.deadline, result.payload.now);
      } else {
        saveState.textContent = result.payload.message || data.msgSaveFailed;
        if (result.payload.error === "time_up" || result.payload.error === "closed") { timeUp(); }
      }
    }).catch(function () { saveState.textContent = data.msgSaveFailed; });
  }

  // A slip costs an attempt and the cooldown: ask first, naming what is unanswered.
  // (The automatic submit when time is up calls form.submit(), which skips this.)
  form.addEventListener("submit", function (event) {
    if (locked) { return; }
    var unanswered = form.querySelectorAll("fieldset.question").length - answeredCount();
    var question = unanswered === 0 ? data.msgConfirm
      : unanswered === 1 ? data.msgUnansweredOne : fill(data.msgUnansweredMany, { n: unanswered });
    if (!window.confirm(question)) { event.preventDefault(); }
  });

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset && !locked) {
      showProgress(answeredCount());
      save(fieldset);
    }
  });

  setClock(data.deadline, data.serverNow);
  tick();
  window.setInterval(tick, 1000);
})();
