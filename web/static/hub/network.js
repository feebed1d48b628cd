// Draws the family network from the elements the page embeds (the same people and
// relationships as its tables, each person at the point the server placed them):
// children round and yellow, adults square, each current household a dashed box around
// its members, every relationship labelled.
(function () {
  "use strict";
  var container = document.getElementById("network-drawing");
  var data = document.getElementById("network-data");
  if (!container || !data || typeof window.cytoscape !== "function") {
    return;
  }
  container.hidden = false;
  document.getElementById("network-controls").hidden = false;
  var network = window.cytoscape({
    container: container,
    elements: JSON.parse(data.textContent),
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 12, "text-valign": "bottom", "text-margin-y": 4,
        "text-wrap": "wrap", "text-max-width": 120, "color": "#0b0c0c", "border-width": 2,
        "border-color": "#0b0c0c", "width": 28, "height": 28
      } },
      { selector: "node.child", style: { "shape": "ellipse", "background-color": "#ffdd00" } },
      { selector: "node.subject", style: { "border-width": 5, "font-weight": "bold" } },
      { selector: "node.adult", style: { "shape": "round-rectangle", "background-color": "#ffffff" } },
      { selector: "node.household", style: {
        "shape": "round-rectangle", "background-color": "#f3f2f1", "border-style": "dashed",
        "border-color": "#505a5f", "text-valign": "top", "text-halign": "center", "font-size": 11,
        "color": "#505a5f", "padding": 18
      } },
      { selector: "edge", style: {
        "label": "data(label)", "font-size": 10, "curve-style": "bezier", "width": 2,
        "line-color": "#505a5f", "target-arrow-shape": "triangle", "target-arrow-color": "#505a5f",
        "text-background-color": "#ffffff", "text-background-opacity": 1, "text-background-padding": 2,
        "text-rotation": "autorotate", "color": "#0b0c0c"
      } },
      { selector: "edge.wider", style: {
        "line-style": "dashed", "width": 1, "font-size": 8, "target-arrow-shape": "none",
        "line-color": "#8e9295", "curve-style": "straight"
      } }
    ],
    // Generations in rows and households side by side, placed by the server (web/network_layout.py).
    layout: { name: "preset", padding: 30 }
  });
  function zoomBy(factor) {
    network.zoom({
      level: network.zoom() * factor,
      renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 }
    });
  }
  document.getElementById("network-zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  document.getElementById("network-zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  document.getElementById("network-fit").addEventListener("click", function () { network.fit(undefined, 30); });
  container.dataset.drawn = String(network.nodes(".child, .adult").length);
})();
