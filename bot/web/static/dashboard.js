// The dashboard works without this file: it adds live updates (round charts, broadcast
// progress) and the assets map. No inline scripts anywhere (the Content-Security-Policy
// forbids them); everything a script needs is in data- attributes.
"use strict";

function refreshCharts() {
  document.querySelectorAll("img[data-refresh]").forEach(function (img) {
    var seconds = Number(img.dataset.refresh) || 10;
    var base = img.getAttribute("src").split("?")[0];
    setInterval(function () {
      img.setAttribute("src", base + "?t=" + Date.now());
    }, seconds * 1000);
  });
}

function followBroadcast() {
  var box = document.querySelector("[data-progress]");
  if (!box) return;
  var bar = document.getElementById("broadcast-progress");
  var text = document.getElementById("broadcast-text");
  var status = document.getElementById("broadcast-status");
  var shown = box.dataset.status;
  function poll() {
    fetch(box.dataset.progress, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return;
        // No bar where it would give a suppressed count away ("<5"): one that moves
        // without a value while the broadcast goes, none once it has stopped.
        var going = p.status === "sending" || p.status === "scheduled";
        if (p.bar) {
          bar.max = Math.max(p.bar.max, 1);
          bar.value = p.bar.value;
          bar.hidden = false;
        } else {
          bar.removeAttribute("value");
          bar.hidden = !going;
        }
        text.textContent = "";
        p.text.split("\n").forEach(function (line, i) {
          if (i) text.appendChild(document.createElement("br"));
          text.appendChild(document.createTextNode(line));
        });
        status.textContent = p.status_text;
        status.className = "status " + p.status;
        if (p.status !== shown && (p.status === "done" || p.status === "cancelled")) {
          shown = p.status;
          box.querySelectorAll(".controls form").forEach(function (f) { f.remove(); });
        }
        if (going) setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (shown === "sending" || shown === "scheduled") poll();
}

function assetsMap() {
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") return;
  var map = L.map(box, { attributionControl: Boolean(box.dataset.tiles) });
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: new URL(box.dataset.tiles.replace("{s}", "a").replace(/[{}]/g, "")).host }).addTo(map);
  }
  var colours = { "new": "#b35900", verified: "#0b6e2f", hidden: "#555555" };
  fetch(box.dataset.points, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var points = [];
      data.assets.forEach(function (a) {
        var marker = L.circleMarker([a.lat, a.lon], {
          radius: 8, color: "#ffffff", weight: 2, fillColor: colours[a.status] || "#333333", fillOpacity: 0.9,
          className: "asset-marker asset-" + a.id,
        }).addTo(map);
        marker.bindPopup(function () { return popup(a, data.labels, box.dataset.csrf); });
        points.push([a.lat, a.lon]);
      });
      if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
      else map.setView([51.48, -3.18], 11);
    });
}

function popup(a, labels, csrf) {
  // Built from text nodes: a resident's words can never become markup.
  var div = document.createElement("div");
  div.className = "popup";
  var title = document.createElement("p");
  title.appendChild(document.createTextNode("#" + a.id + " · " + a.category));
  div.appendChild(title);
  var words = document.createElement("q");
  words.className = "resident";
  words.textContent = a.what;
  div.appendChild(words);
  var state = document.createElement("p");
  state.textContent = labels.status + ": " + a.status_text + " · " + (a.exact ? labels.exact : labels.about);
  div.appendChild(state);
  if (csrf) {
    [["verify", "verified"], ["hide", "hidden"]].forEach(function (pair) {
      if (a.status === pair[1]) return;
      var form = document.createElement("form");
      form.method = "post";
      form.action = "/assets/" + a.id + "/" + pair[0];
      form.className = "inline";
      [["csrf", csrf], ["back", "/assets"]].forEach(function (kv) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = kv[0]; input.value = kv[1];
        form.appendChild(input);
      });
      var button = document.createElement("button");
      button.type = "submit";
      button.textContent = labels[pair[0]];
      if (pair[0] === "hide") button.className = "secondary";
      form.appendChild(button);
      div.appendChild(form);
    });
  }
  return div;
}

document.addEventListener("DOMContentLoaded", function () {
  refreshCharts();
  followBroadcast();
  assetsMap();
});
