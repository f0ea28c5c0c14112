// mandategraph explorer page: draws the JSON in #mg-data with vis-network.
// Every document text goes to the screen through textContent or the canvas,
// never through innerHTML, so a task reading "<script>" shows as text.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("mg-data").textContent);
  var S = D.styles, E = D.edgeStyles;
  var byId = {};
  var big = D.nodes.length > 800;

  var nodeItems = D.nodes.map(function (n) {
    byId[n.id] = n;
    var s = S[n.kind];
    var shape = n.shape || s.shape;
    var item = {
      id: n.id, label: n.label, x: n.x, y: n.y, size: n.size, shape: shape,
      borderWidth: n.focus ? 4 : 1, font: {size: s.font},
      color: {background: s.colour, border: s.colour,
              highlight: {background: s.colour, border: "#17202a"},
              hover: {background: s.colour, border: "#17202a"}}
    };
    if (shape === "box") {
      item.color.background = item.color.highlight.background = item.color.hover.background = s.light;
      item.widthConstraint = {maximum: 300};
      item.margin = 6;
    }
    if (n.focus) { item.color.border = "#17202a"; item.font = {size: 18}; }
    return item;
  });
  var edgeItems = D.edges.map(function (e, i) {
    var s = E[e.type];
    var item = {
      id: i, from: e.from, to: e.to,
      width: e.width || s.width,
      dashes: e.dashes !== undefined ? e.dashes : s.dashes,
      color: {color: s.colour, highlight: "#17202a", hover: "#17202a", inherit: false}
    };
    if (s.arrow) item.arrows = {to: {enabled: true}};
    return item;
  });

  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var container = document.getElementById("mg-network");
  var options = {
    autoResize: true,
    layout: {improvedLayout: false},  // positions come from Python
    physics: {
      enabled: false, solver: "forceAtlas2Based",
      forceAtlas2Based: {gravitationalConstant: -40, springLength: 80, avoidOverlap: 0.3},
      stabilization: {enabled: false}
    },
    interaction: {hover: true, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: false},
    // Labels smaller than 8 px on screen are skipped: zoomed out, only the
    // big labels (jurisdictions, documents, themes) show; zoom in for tasks.
    nodes: {font: {face: D.font, size: 14, strokeWidth: 3, strokeColor: "#ffffff"},
            scaling: {label: {enabled: false, drawThreshold: 8}}},
    // Arrowheads cost ~40% of a frame; most directions follow from the kinds
    // (a unit leads a task), so only edges between tasks carry one.
    edges: {smooth: false, arrows: {to: {enabled: false, scaleFactor: 0.6}}, selectionWidth: 1.5, hoverWidth: 1}
  };
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  var mg = window.mandategraph = {network: network, nodes: nodes, edges: edges, data: D, ready: false, firstDrawMs: null};
  network.once("afterDrawing", function () {
    mg.ready = true;
    mg.firstDrawMs = performance.now();
    document.body.setAttribute("data-ready", "1");
  });

  // ---- first view: fit, then make column views readable from the top ----
  function initialView() {
    var focus = D.nodes.filter(function (n) { return n.focus; }).map(function (n) { return n.id; });
    if (focus.length) { showDetails(focus[0]); network.setSize("100%", "100%"); }  // measure the narrower canvas
    network.fit({animation: false});
    if (D.layout === "columns" && D.nodes.length) {
      var xs = D.nodes.map(function (n) { return n.x; }), ys = D.nodes.map(function (n) { return n.y; });
      var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs), minY = Math.min.apply(null, ys);
      var scale = Math.max(network.getScale(), Math.min(0.75, (container.clientWidth - 80) / (maxX - minX + 340)));
      network.moveTo({position: {x: (minX + maxX) / 2, y: minY - 30 + container.clientHeight / 2 / scale}, scale: scale});
    }
    if (focus.length) network.selectNodes(focus);
  }

  // ---- tooltips (hover) and details (click), built from text nodes ----
  function fill(el, tip) {
    el.textContent = "";
    var head = document.createElement("div");
    head.className = "mg-head";
    head.textContent = tip.head;
    el.appendChild(head);
    var table = document.createElement("table");
    tip.rows.forEach(function (r) {
      var tr = table.insertRow();
      tr.insertCell().textContent = r[0];
      tr.insertCell().textContent = r[1];
    });
    el.appendChild(table);
  }
  var tipEl = document.getElementById("mg-tip");
  function showTip(tip, dom) {
    fill(tipEl, tip);
    tipEl.hidden = false;
    var box = container.getBoundingClientRect();
    var x = box.left + dom.x + 14, y = box.top + dom.y + 14;
    var w = tipEl.offsetWidth, h = tipEl.offsetHeight;
    if (x + w > window.innerWidth - 4) x = Math.max(4, box.left + dom.x - w - 14);
    if (y + h > window.innerHeight - 4) y = Math.max(4, window.innerHeight - h - 4);
    tipEl.style.left = x + "px";
    tipEl.style.top = y + "px";
  }
  function hideTip() { tipEl.hidden = true; }
  mg.showTip = function (id) { showTip(byId[id].tip, network.canvasToDOM(network.getPosition(id))); return tipEl; };
  network.on("hoverNode", function (p) { showTip(byId[p.node].tip, p.pointer.DOM); });
  network.on("hoverEdge", function (p) { showTip(D.edges[p.edge].tip, p.pointer.DOM); });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  var details = document.getElementById("mg-details");
  var detailsBody = document.getElementById("mg-details-body");
  function showDetails(id) { fill(detailsBody, byId[id].tip); details.hidden = false; }
  document.getElementById("mg-close").addEventListener("click", function () { details.hidden = true; });
  // The canvas changes width with the details column; vis only polls for that.
  new ResizeObserver(function () { network.setSize("100%", "100%"); network.redraw(); }).observe(container);
  network.on("click", function (p) {
    if (p.nodes.length) showDetails(p.nodes[0]);
    else if (p.edges.length) { fill(detailsBody, D.edges[p.edges[0]].tip); details.hidden = false; }
    else details.hidden = true;
  });

  // ---- search: any part of a name or text, Chinese included ----
  var input = document.getElementById("mg-search");
  var results = document.getElementById("mg-results");
  var hay = null;
  function haystack() {
    if (!hay) hay = D.nodes.map(function (n) {
      var text = n.tip.rows.map(function (r) { return r[1]; }).join("\n");
      return {id: n.id, name: (n.label + "\n" + n.tip.head).toLowerCase(), text: text.toLowerCase()};
    });
    return hay;
  }
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var inName = [], inText = [];
    haystack().forEach(function (h) {
      if (h.name.indexOf(q) >= 0) inName.push(h.id);
      else if (h.text.indexOf(q) >= 0) inText.push(h.id);
    });
    return inName.concat(inText);  // name matches first
  }
  mg.search = search;
  function choose(id) {
    var n = nodes.get(id);
    if (n.hidden) {  // searching for a hidden kind shows that kind again
      var box = document.querySelector('#mg-kinds input[data-kind="' + byId[id].kind + '"]');
      if (box) { box.checked = true; setKind(byId[id].kind, true); }
    }
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1.1), animation: {duration: 300}});
    showDetails(id);
    results.hidden = true;
  }
  mg.choose = choose;
  function renderResults() {
    var found = search(input.value);
    results.textContent = "";
    if (!input.value.trim()) { results.hidden = true; return; }
    found.slice(0, 50).forEach(function (id, i) {
      var li = document.createElement("li");
      li.textContent = byId[id].label;
      var k = document.createElement("span");
      k.className = "mg-k";
      k.textContent = S[byId[id].kind].zh;
      li.appendChild(k);
      if (i === 0) li.className = "mg-active";
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(id); });
      results.appendChild(li);
    });
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "mg-none";
      none.textContent = "无结果 No match";
      results.appendChild(none);
    } else if (found.length > 50) {
      var more = document.createElement("li");
      more.className = "mg-none";
      more.textContent = "… " + found.length + " 个结果 matches";
      results.appendChild(more);
    }
    results.hidden = false;
  }
  input.addEventListener("input", renderResults);
  input.addEventListener("focus", renderResults);
  input.addEventListener("blur", function () { results.hidden = true; });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var found = search(input.value); if (found.length) choose(found[0]); }
    else if (ev.key === "Escape") { input.value = ""; results.hidden = true; }
  });

  // ---- filter by kind ----
  function setKind(kind, shown) {
    nodes.update(D.nodes.filter(function (n) { return n.kind === kind; })
                        .map(function (n) { return {id: n.id, hidden: !shown}; }));
  }
  mg.setKind = setKind;
  document.querySelectorAll("#mg-kinds input[data-kind]").forEach(function (box) {
    box.addEventListener("change", function () { setKind(box.getAttribute("data-kind"), box.checked); });
  });

  // ---- physics toggle and fit ----
  var physics = document.getElementById("mg-physics");
  physics.addEventListener("change", function () { network.setOptions({physics: {enabled: physics.checked}}); });
  document.getElementById("mg-fit").addEventListener("click", function () { network.fit({animation: {duration: 300}}); });

  initialView();
})();
