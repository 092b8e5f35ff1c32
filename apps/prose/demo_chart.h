// `prose demo`: the run's sequence chart as one self-contained HTML file (inline SVG, inline script, no fetches):
// a lane per node, an arrow per message tagged with its requirement step, each message's fields on hover (SVG
// title) and on click (the details panel). docs/demo.md.
#pragma once

#include <string>
#include <vector>

namespace prose::cli::demo {

struct ChartLane {
  std::string id;     // data-lane of the lane (lowercase, no spaces: "ue1", "relay", "prose_function")
  std::string label;  // shown above the lane
};

struct ChartEntry {
  double t = 0;      // seconds since the start of the demo
  std::string step;  // requirement step ("0" ... "6")
  int from = 0;      // lane index
  int to = 0;        // lane index; == from for a note on one lane (an event, or a message to a node not drawn)
  bool broadcast = false;
  std::string text;                 // the message or event as the trace prints it
  std::vector<std::string> fields;  // shown in the details panel
};

struct ChartStep {
  std::string id, title;
};

// The whole HTML document.
std::string render_chart_html(const std::string& title, const std::vector<ChartLane>& lanes,
                              const std::vector<ChartStep>& steps, const std::vector<ChartEntry>& entries);

}  // namespace prose::cli::demo
