// Light polling: new messages in an open conversation, and the unread badges in
// the navigation. Pages work without it; this only saves a reload.
(function () {
  "use strict";
  var script = document.currentScript;
  var unreadUrl = script && script.getAttribute("data-unread-url");

  function setBadge(name, count) {
    var link = document.querySelector('a[data-nav="' + name + '"]');
    if (!link) { return; }
    var badge = link.querySelector(".badge");
    if (!count) {
      if (badge) { badge.remove(); }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    badge.textContent = String(count);
    var hidden = document.createElement("span");
    hidden.className = "skip";
    hidden.textContent = " " + (link.getAttribute("data-unread-label") || "");
    badge.appendChild(hidden);
  }

  function setBadges(data) {
    setBadge("messages", data.unread);
    setBadge("notifications", data.notifications);
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  var list = document.getElementById("messages");
  var pollUrl = list && list.getAttribute("data-poll-url");

  // Polls back off while nothing happens (the delay doubles up to MAX_DELAY), pause while the
  // page is hidden, and stop after IDLE_LIMIT without her touching the page; any key, click,
  // scroll or the page becoming visible again starts them afresh. Phones on slow connections
  // then pay for nothing while the page lies forgotten in a tab.
  var BASE_DELAY = pollUrl ? 4000 : 10000;
  var MAX_DELAY = 60000;
  var IDLE_LIMIT = 15 * 60 * 1000;
  var delay = BASE_DELAY;
  var lastActivity = Date.now();
  var timer = null;

  function pollConversation() {
    var after = list.getAttribute("data-last-id") || "0";
    return getJSON(pollUrl + "?after=" + encodeURIComponent(after)).then(function (data) {
      if (!data) { return false; }
      var added = false;
      data.messages.forEach(function (m) {
        if (document.getElementById("m" + m.id)) { return; }
        list.insertAdjacentHTML("beforeend", m.html);
        list.setAttribute("data-last-id", String(m.id));
        added = true;
      });
      setBadges(data);
      return added;
    });
  }

  function pollUnread() {
    return getJSON(unreadUrl).then(function (data) {
      if (data) { setBadges(data); }
      return false;
    });
  }

  var poll = pollUrl ? pollConversation : (unreadUrl ? pollUnread : null);

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    if (!poll || document.hidden || Date.now() - lastActivity > IDLE_LIMIT) { return; }
    timer = window.setTimeout(function () {
      if (Date.now() - lastActivity > IDLE_LIMIT) {
        timer = null;  // she has been away too long: stop until she comes back
        return;
      }
      poll().then(function (changed) {
        delay = changed ? BASE_DELAY : Math.min(delay * 2, MAX_DELAY);
      }, function () {
        delay = Math.min(delay * 2, MAX_DELAY);
      }).then(schedule);
    }, delay);
  }

  function wake() {
    var stopped = timer === null;
    lastActivity = Date.now();
    if (stopped || delay > BASE_DELAY) {
      delay = BASE_DELAY;
      schedule();
    }
  }

  ["keydown", "pointerdown", "scroll", "focus"].forEach(function (name) {
    window.addEventListener(name, wake, {passive: true});
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else {
      wake();
    }
  });
  schedule();
}());
