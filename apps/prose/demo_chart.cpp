#include "demo_chart.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace prose::cli::demo {
namespace {

constexpr int kLeft = 120;       // time and step column
constexpr int kLaneGap = 210;    // between lanes
constexpr int kTop = 80;         // first row
constexpr int kRow = 30;         // row height
constexpr double kCharPx = 6.3;  // average width of a character of the labels (11 px sans-serif)
constexpr int kNoteWidth = 380;  // a note on one lane

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

// At most `n` characters (UTF-8 sequences kept whole), with an ellipsis when cut.
std::string clip(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = n > 1 ? n - 1 : 0;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "\u2026";
}

int lane_x(int i) { return kLeft + kLaneGap / 2 + i * kLaneGap; }

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

// The step's colour: one per part of the flow.
const char* step_colour(const std::string& step) {
  switch (step.empty() ? '-' : step[0]) {
    case '0':
      return "#6b7280";
    case '1':
      return "#2563eb";
    case '2':
      return "#0d9488";
    case '3':
      return "#7c3aed";
    case '4':
      return "#ea580c";
    case '5':
      return "#16a34a";
    case '6':
      return "#111827";
    default:
      return "#9ca3af";
  }
}

constexpr const char* kStyle = R"(
body{font-family:sans-serif;margin:16px;color:#111827}
h1{font-size:18px} #steps{border-collapse:collapse;margin:8px 0 16px} #steps td{padding:2px 8px;font-size:13px}
#steps td.id{font-weight:bold} svg{background:#fff;border:1px solid #d1d5db}
.lanehead rect{fill:#f3f4f6;stroke:#374151} .lanehead text{font-size:13px;font-weight:bold}
.lifeline{stroke:#9ca3af;stroke-dasharray:4 4} .msg{cursor:pointer} .msg text{font-size:11px}
.msg .t{fill:#6b7280} .msg .step{font-weight:bold} .msg:hover .label,.msg.sel .label{text-decoration:underline}
.msg .hit{fill:transparent} #details{position:fixed;right:16px;bottom:16px;max-width:480px;background:#fffbeb;
border:1px solid #d97706;padding:8px 12px;font-size:13px;display:none} #details ul{margin:4px 0;padding-left:18px}
)";

constexpr const char* kScript = R"(
(function(){
  var msgs = JSON.parse(document.getElementById('messages').textContent);
  var panel = document.getElementById('details');
  function show(g){
    var m = msgs[+g.getAttribute('data-index')];
    document.querySelectorAll('.msg.sel').forEach(function(s){ s.classList.remove('sel'); });
    g.classList.add('sel');
    var h = '<b>[' + m.step + '] ' + m.from + ' \u2192 ' + m.to + '</b> at ' + m.t + ' s<br>' + m.name + '<ul>';
    m.fields.forEach(function(f){ h += '<li>' + f + '</li>'; });
    panel.innerHTML = h + '</ul>';
    panel.style.display = 'block';
  }
  document.querySelectorAll('g.msg').forEach(function(g){
    g.addEventListener('click', function(){ show(g); });
    g.addEventListener('keydown', function(e){ if (e.key === 'Enter') show(g); });
  });
  document.querySelectorAll('#steps tr[data-step]').forEach(function(r){
    var n = document.querySelectorAll('g.msg[data-step="' + r.getAttribute('data-step') + '"]').length;
    r.querySelector('td.count').textContent = n + (n === 1 ? ' message' : ' messages');
  });
  document.body.setAttribute('data-rendered', 'yes');
})();
)";

}  // namespace

std::string render_chart_html(const std::string& title, const std::vector<ChartLane>& lanes,
                              const std::vector<ChartStep>& steps, const std::vector<ChartEntry>& entries) {
  const int n_lanes = static_cast<int>(lanes.size());
  const int width = kLeft + n_lanes * kLaneGap + 20;
  const int height = kTop + static_cast<int>(entries.size()) * kRow + 20;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
                  "</title><style>" + kStyle + "</style></head>\n<body>\n<h1>" + esc(title) + "</h1>\n";
  h += "<p>Hover over a message for its text, click it for its fields. Steps of the requirement's security flow "
       "(docs/demo.md):</p>\n<table id=\"steps\">\n";
  for (const auto& s : steps)
    h += "<tr data-step=\"" + esc(s.id) + "\"><td class=\"id\" style=\"color:" + step_colour(s.id) + "\">" + esc(s.id) +
         "</td><td>" + esc(s.title) + "</td><td class=\"count\"></td></tr>\n";
  h += "</table>\n";
  h += "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart\" width=\"" + std::to_string(width) + "\" height=\"" +
       std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) + "\">\n";
  h += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
       "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>\n";
  h += "<text x=\"8\" y=\"" + std::to_string(kTop - 14) + "\" font-size=\"11\" fill=\"#6b7280\">time s / step</text>\n";
  for (int i = 0; i < n_lanes; ++i) {
    const int x = lane_x(i);
    h += "<g class=\"lane\" data-lane=\"" + esc(lanes[static_cast<std::size_t>(i)].id) + "\"><g class=\"lanehead\">" +
         "<rect x=\"" + std::to_string(x - 80) + "\" y=\"12\" width=\"160\" height=\"32\" rx=\"4\"/><text x=\"" +
         std::to_string(x) + "\" y=\"33\" text-anchor=\"middle\">" + esc(lanes[static_cast<std::size_t>(i)].label) +
         "</text></g><line class=\"lifeline\" x1=\"" + std::to_string(x) + "\" y1=\"44\" x2=\"" + std::to_string(x) +
         "\" y2=\"" + std::to_string(height - 10) + "\"/></g>\n";
  }
  nlohmann::json data = nlohmann::json::array();
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const ChartEntry& e = entries[k];
    const int y = kTop + static_cast<int>(k) * kRow;
    const int from = std::clamp(e.from, 0, n_lanes - 1), to = std::clamp(e.to, 0, n_lanes - 1);
    const std::string& from_id = lanes[static_cast<std::size_t>(from)].id;
    const std::string& to_id = lanes[static_cast<std::size_t>(to)].id;
    const char* colour = step_colour(e.step);
    const std::string who = lanes[static_cast<std::size_t>(from)].label +
                            (from == to ? std::string() : " \u2192 " + lanes[static_cast<std::size_t>(to)].label);
    h += "<g class=\"msg\" tabindex=\"0\" data-index=\"" + std::to_string(k) + "\" data-step=\"" + esc(e.step) +
         "\" data-from=\"" + esc(from_id) + "\" data-to=\"" + esc(to_id) + "\"><title>" + num(e.t) + " s [" +
         esc(e.step) + "] " + esc(who) + ": " + esc(e.text) + "</title>";
    h += "<rect class=\"hit\" x=\"0\" y=\"" + std::to_string(y - 18) + "\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(kRow - 4) + "\"/>";
    h += "<text class=\"t\" x=\"8\" y=\"" + std::to_string(y + 4) + "\">" + num(e.t) +
         "</text><text class=\"step\" x=\"64\" y=\"" + std::to_string(y + 4) + "\" fill=\"" + colour + "\">" +
         esc(e.step) + "</text>";
    int label_x = 0;
    std::size_t room = 0;
    if (from == to) {
      const int x = lane_x(from);
      h += "<rect x=\"" + std::to_string(x - 6) + "\" y=\"" + std::to_string(y - 8) + "\" width=\"" +
           std::to_string(kNoteWidth) + "\" height=\"16\" rx=\"3\" fill=\"#fff\" stroke=\"" + colour + "\"/>";
      label_x = x + kNoteWidth / 2 - 6;
      room = static_cast<std::size_t>((kNoteWidth - 8) / kCharPx);
      h += "<text class=\"label\" x=\"" + std::to_string(label_x) + "\" y=\"" + std::to_string(y + 4) +
           "\" text-anchor=\"middle\" fill=\"" + colour + "\">[" + esc(e.step) + "] " + esc(clip(e.text, room)) +
           "</text>";
    } else {
      const int x1 = lane_x(from), x2 = lane_x(to);
      h += "<line x1=\"" + std::to_string(x1) + "\" y1=\"" + std::to_string(y) + "\" x2=\"" + std::to_string(x2) +
           "\" y2=\"" + std::to_string(y) + "\" stroke=\"" + colour + "\" stroke-width=\"1.5\"" +
           (e.broadcast ? " stroke-dasharray=\"6 3\"" : "") + " marker-end=\"url(#arrow)\"/>";
      label_x = (x1 + x2) / 2;
      room = static_cast<std::size_t>(std::max(30.0, (std::abs(x2 - x1) - 10) / kCharPx));
      h += "<text class=\"label\" x=\"" + std::to_string(label_x) + "\" y=\"" + std::to_string(y - 4) +
           "\" text-anchor=\"middle\" fill=\"" + colour + "\">[" + esc(e.step) + "] " + esc(clip(e.text, room)) +
           "</text>";
    }
    h += "</g>\n";
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& f : e.fields) fields.push_back(esc(f));
    data.push_back({{"t", num(e.t)},
                    {"step", esc(e.step)},
                    {"from", esc(lanes[static_cast<std::size_t>(from)].label)},
                    {"to", esc(lanes[static_cast<std::size_t>(to)].label)},
                    {"name", esc(e.text)},
                    {"fields", fields}});
  }
  h += "</svg>\n<div id=\"details\"></div>\n";
  std::string json = data.dump();
  // Inside a script element "</" would end it.
  for (std::size_t p = json.find("</"); p != std::string::npos; p = json.find("</", p + 3)) json.replace(p, 2, "<\\/");
  h += "<script type=\"application/json\" id=\"messages\">" + json + "</script>\n<script>" + kScript +
       "</script>\n</body></html>\n";
  return h;
}

}  // namespace prose::cli::demo
