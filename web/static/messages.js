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

  function pollConversation() {
    if (document.hidden) { return; }
    var after = list.getAttribute("data-last-id") || "0";
    getJSON(pollUrl + "?after=" + encodeURIComponent(after)).then(function (data) {
      if (!data) { return; }
      data.messages.forEach(function (m) {
        if (document.getElementById("m" + m.id)) { return; }
        list.insertAdjacentHTML("beforeend", m.html);
        list.setAttribute("data-last-id", String(m.id));
      });
      setBadges(data);
    }).catch(function () {});
  }

  function pollUnread() {
    if (document.hidden || !unreadUrl) { return; }
    getJSON(unreadUrl).then(function (data) { if (data) { setBadges(data); } })
      .catch(function () {});
  }

  if (pollUrl) {
    window.setInterval(pollConversation, 4000);
  } else if (unreadUrl) {
    window.setInterval(pollUnread, 10000);
  }
}());
