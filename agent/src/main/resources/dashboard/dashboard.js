// The modelfs dashboard: polls /api/swarm once a second and redraws. No external assets, no
// framework. 64-bit counters arrive as strings (proto3 JSON); Number() is exact below 2^53.
"use strict";

const POLL_MS = 1000;
const HISTORY = 120; // samples kept for the throughput chart
const history = []; // {local, peer, origin} bytes/s per poll
const COLORS = { local: "#2b8a3e", peer: "#1c7ed6", origin: "#e8590c" };

function num(v) { return v === undefined || v === null ? 0 : Number(v); }

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + " " + units[i];
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  return (s / 3600).toFixed(1) + " h";
}

/**
 * Percent complete by bytes, rounded down so that 100.0% means every chunk is local. Nodes seen
 * only through the tracker report chunks, not bytes: their percent is by chunks.
 */
function percent(c) {
  const total = num(c.bytesTotal);
  if (total === 0) {
    const chunks = num(c.chunksTotal);
    if (chunks === 0) return "100.0%";
    return (Math.floor(num(c.chunksLocal) * 1000 / chunks) / 10).toFixed(1) + "%";
  }
  return (Math.floor(num(c.bytesLocal) * 1000 / total) / 10).toFixed(1) + "%";
}

function readinessClass(r) {
  if (!r) return "";
  if (r.startsWith("ready")) return "ready";
  if (r.startsWith("degraded")) return "degraded";
  return "down";
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The swarm's traffic: /api/swarm's totals sum every listed node's counters and rates (nodes
 * seen through the tracker report theirs with their pings; the leader derives their rates).
 */
function renderTraffic(totals) {
  const tr = (totals && totals.traffic) || {};
  const t = {
    local: num(tr.localBytesPerSecond), peer: num(tr.peerBytesPerSecond), origin: num(tr.originBytesPerSecond),
    localTotal: num(tr.localBytes), peerTotal: num(tr.peerBytes), originTotal: num(tr.originBytes),
    up: num(tr.uploadedBytesPerSecond), upTotal: num(tr.uploadedBytes), upChunks: num(tr.uploadedChunks),
  };
  document.getElementById("traffic-scope").textContent =
    totals && num(totals.nodes) > 1 ? "all " + num(totals.nodes) + " nodes" : "this node";
  document.getElementById("saved").textContent = bytes(num(totals && totals.originBytesSaved));
  document.getElementById("rate-local").textContent = bytes(t.local) + "/s";
  document.getElementById("rate-peer").textContent = bytes(t.peer) + "/s";
  document.getElementById("rate-origin").textContent = bytes(t.origin) + "/s";
  document.getElementById("uploaded").textContent =
    bytes(t.up) + "/s (" + bytes(t.upTotal) + " in " + t.upChunks + " chunks)";
  const delivered = t.localTotal + t.peerTotal + t.originTotal;
  const saved = delivered === 0 ? 0 : 100 * (1 - t.originTotal / delivered);
  document.getElementById("saving").textContent =
    bytes(t.originTotal) + " / " + bytes(delivered) + " (" + saved.toFixed(0) + "% spared)";
  history.push({ local: t.local, peer: t.peer, origin: t.origin });
  if (history.length > HISTORY) history.shift();
  drawThroughput();
}

function drawThroughput() {
  const c = document.getElementById("throughput");
  const g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...history.map(h => Math.max(h.local, h.peer, h.origin)));
  const dx = c.width / (HISTORY - 1);
  for (const src of ["local", "peer", "origin"]) {
    g.strokeStyle = COLORS[src];
    g.lineWidth = 2;
    g.beginPath();
    history.forEach((h, i) => {
      const x = c.width - (history.length - 1 - i) * dx;
      const y = c.height - 4 - (h[src] / max) * (c.height - 20);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  }
  g.fillStyle = "#667";
  g.fillText("peak " + bytes(max) + "/s", 6, 12);
}

function renderNodes(nodes) {
  const body = document.querySelector("#nodes tbody");
  body.replaceChildren();
  for (const n of nodes) {
    const tr = el("tr", { "data-node": n.node });
    tr.append(el("td", {}, n.node + (n.peerAddress ? " (" + n.peerAddress + (n.zone ? ", " + n.zone : "") + ")" : "")));
    tr.append(el("td", { class: readinessClass(n.readiness) }, n.readiness));
    // Nodes seen through the tracker report no store bytes or uptime: show their leases instead.
    const remote = !!n.peerAddress && num(n.uptimeMillis) === 0;
    tr.append(el("td", {}, remote ? "–" : bytes(num(n.storedBytes)) + " in " + num(n.storedChunks) + " chunks"));
    tr.append(el("td", {}, String((n.models || []).length)));
    tr.append(el("td", {}, remote ? num(n.leasesHeld) + " origin leases" : duration(num(n.uptimeMillis))));
    const t = n.traffic || {};
    tr.append(el("td", { class: "throughput" }, "local " + bytes(num(t.localBytesPerSecond)) + "/s, peers "
      + bytes(num(t.peerBytesPerSecond)) + "/s, origin " + bytes(num(t.originBytesPerSecond)) + "/s; up "
      + bytes(num(t.uploadedBytesPerSecond)) + "/s"));
    body.append(tr);
  }
}

function renderModels(nodes) {
  const byRef = new Map();
  for (const n of nodes) {
    for (const c of n.completion || []) {
      if (!byRef.has(c.ref)) byRef.set(c.ref, []);
      byRef.get(c.ref).push({ node: n.node, c: c });
    }
  }
  const root = document.getElementById("models");
  root.replaceChildren();
  if (byRef.size === 0) {
    root.append(el("p", { class: "hint" }, "No model opened yet: read one through the mount or run 'modelfs pull REF'."));
  }
  for (const [ref, rows] of [...byRef.entries()].sort()) {
    const box = el("div", { class: "model", "data-ref": ref });
    box.append(el("div", { class: "ref" }, ref));
    for (const { node, c } of rows) {
      const row = el("div", { class: "row", "data-node": node });
      row.append(el("span", { class: "node" }, node));
      row.append(el("span", { class: "completion" }, percent(c)));
      row.append(el("span", { class: "chunks" }, num(c.chunksLocal) + " / " + num(c.chunksTotal) + " chunks"));
      row.append(heatmap(c));
      box.append(row);
    }
    root.append(box);
  }
}

/** One cell per chunk, filled when local; bit i of localChunks (base64, LSB first) is chunk i. */
function heatmap(c) {
  const total = num(c.chunksTotal);
  const bits = atob(c.localChunks || "");
  const cols = Math.min(total, 128);
  const rows = Math.max(1, Math.ceil(total / Math.max(cols, 1)));
  const cell = total > 2048 ? 3 : 6;
  const canvas = el("canvas", { width: Math.max(cols, 1) * cell, height: rows * cell, class: "heatmap" });
  const g = canvas.getContext("2d");
  for (let i = 0; i < total; i++) {
    const byte = i >> 3 < bits.length ? bits.charCodeAt(i >> 3) : 0;
    g.fillStyle = (byte >> (i & 7)) & 1 ? COLORS.local : "#dee2e6";
    g.fillRect((i % cols) * cell, Math.floor(i / cols) * cell, cell - 1, cell - 1);
  }
  return canvas;
}

/** The tracker group: leader and term when reachable, the error when not, nothing without one. */
function renderTracker(t) {
  const e = document.getElementById("tracker");
  if (!t) {
    e.textContent = "tracker: none (this node alone)";
    e.className = "";
  } else if (t.reachable) {
    e.textContent = "tracker: leader " + t.leader + ", term " + t.term + ", " + num(t.activeLeases) + " origin leases";
    e.className = "ready";
  } else {
    e.textContent = "tracker unreachable (" + (t.error || "no answer yet") + "): degraded to origin";
    e.className = "down";
  }
}

async function poll() {
  try {
    const r = await fetch("/api/swarm", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    const swarm = await r.json();
    const nodes = swarm.nodes || [];
    renderTracker(swarm.tracker);
    renderTraffic(swarm.totals);
    renderNodes(nodes);
    renderModels(nodes);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("updated").textContent = "agent unreachable: " + e.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
