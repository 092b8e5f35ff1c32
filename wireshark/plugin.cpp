// The Wireshark 4.0 epan plugin (docs/wireshark.md): registers prose_sl, prose_pdcp, prose_pc5s, prose_disc and
// prose_gpi from prose/dissect's tables and turns its Results into protocol trees. All parsing and decryption is
// prose::dissect's (unit tested and fuzzed); this file only adapts, clamping every item to its buffer.
#define WS_BUILD_DLL
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "prose/dissect/dissect.h"
#include "prose/pc3/constants.h"
#include "prose/pc8/constants.h"
#include "prose/util/hex.h"

// What Wireshark's plugin loader looks up (C linkage; `extern` because a C++ const would be internal).
extern "C" {
WS_DLL_PUBLIC_DEF extern const gchar plugin_version[];
WS_DLL_PUBLIC_DEF extern const int plugin_want_major;
WS_DLL_PUBLIC_DEF extern const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);
}
const gchar plugin_version[] = "0.1.0";
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

namespace {

namespace pd = prose::dissect;

std::array<int, pd::kProtoCount> g_proto{};
std::array<int, pd::kFieldCount> g_hf{};
std::array<gint, pd::kFieldCount + pd::kProtoCount> g_ett{};
std::array<expert_field, pd::kExpertCount> g_ei{};
// Wireshark keeps pointers into these arrays: they live as long as the process.
std::array<std::vector<hf_register_info>, pd::kProtoCount>* g_hf_info = nullptr;
std::array<std::vector<ei_register_info>, pd::kProtoCount>* g_ei_info = nullptr;
pd::Dissector* g_dissector = nullptr;
const char* g_keylog_pref = "";
std::string g_loaded_path;
bool g_keys_loaded = false;
dissector_handle_t g_sl_handle, g_xml_handle, g_ip_handle, g_arp_handle, g_data_handle;

int proto_of(pd::Proto p) { return g_proto[static_cast<std::size_t>(p)]; }

void load_keys() {
  g_keys_loaded = true;
  g_loaded_path = g_keylog_pref != nullptr ? g_keylog_pref : "";
  prose::keylog::File f;
  if (!g_loaded_path.empty()) {
    std::ifstream in(g_loaded_path);
    std::stringstream ss;
    ss << in.rdbuf();
    f = prose::keylog::parse(ss.str());
  }
  g_dissector->set_keys(std::move(f));
}

void init_routine() {
  g_dissector->reset();
  g_keys_loaded = false;
}

ftenum_t ft_of(pd::Kind k) {
  switch (k) {
    case pd::Kind::kU8:
      return FT_UINT8;
    case pd::Kind::kU16:
      return FT_UINT16;
    case pd::Kind::kU24:
      return FT_UINT24;
    case pd::Kind::kU32:
      return FT_UINT32;
    case pd::Kind::kU64:
      return FT_UINT64;
    case pd::Kind::kBytes:
      return FT_BYTES;
    case pd::Kind::kString:
      return FT_STRING;
    case pd::Kind::kBool:
      return FT_BOOLEAN;
    default:
      return FT_NONE;
  }
}

int display_of(const pd::FieldInfo& f) {
  if (f.kind == pd::Kind::kBool || f.kind == pd::Kind::kBytes || f.kind == pd::Kind::kString ||
      f.kind == pd::Kind::kLabel)
    return BASE_NONE;
  return f.base == pd::Base::kHex ? BASE_HEX : BASE_DEC;
}

// Adds one node (and its children) to `tree`, clamped to its buffer.
void add_node(proto_tree* tree, packet_info* pinfo, const std::vector<tvbuff_t*>& tvbs, const pd::Node& n) {
  if (n.buffer >= tvbs.size()) return;
  tvbuff_t* tvb = tvbs[n.buffer];
  const gint cap = static_cast<gint>(tvb_captured_length(tvb));
  gint off = n.offset <= static_cast<std::size_t>(cap) ? static_cast<gint>(n.offset) : 0;
  gint len = n.length <= static_cast<std::size_t>(cap - off) ? static_cast<gint>(n.length) : cap - off;
  proto_item* it = nullptr;
  const char* text = n.text.c_str();
  if (n.field == pd::Field::kCount_) {
    it = proto_tree_add_item(tree, proto_of(n.proto), tvb, off, len, ENC_NA);
  } else {
    const int hf = g_hf[static_cast<std::size_t>(n.field)];
    switch (pd::field_info(n.field).kind) {
      case pd::Kind::kU8:
      case pd::Kind::kU16:
      case pd::Kind::kU24:
      case pd::Kind::kU32:
        it = proto_tree_add_uint_format_value(tree, hf, tvb, off, len, static_cast<guint32>(n.value), "%s", text);
        break;
      case pd::Kind::kU64:
        it = proto_tree_add_uint64_format_value(tree, hf, tvb, off, len, n.value, "%s", text);
        break;
      case pd::Kind::kBytes:
        it = proto_tree_add_bytes_format_value(tree, hf, tvb, off, len, nullptr, "%s", text);
        break;
      case pd::Kind::kString:
        it = proto_tree_add_string_format_value(tree, hf, tvb, off, len, text, "%s", text);
        break;
      case pd::Kind::kBool:
        it = proto_tree_add_boolean_format_value(tree, hf, tvb, off, len, n.value != 0, "%s", text);
        break;
      default:
        it = proto_tree_add_none_format(tree, hf, tvb, off, len, "%s", text);
        break;
    }
  }
  if (n.generated) proto_item_set_generated(it);
  for (const auto& f : n.flags)
    expert_add_info_format(pinfo, it, &g_ei[static_cast<std::size_t>(f.id)], "%s", f.text.c_str());
  if (n.children.empty()) return;
  const std::size_t ett = n.field == pd::Field::kCount_ ? pd::kFieldCount + static_cast<std::size_t>(n.proto)
                                                        : static_cast<std::size_t>(n.field);
  proto_tree* sub = proto_item_add_subtree(it, g_ett[ett]);
  for (const auto& c : n.children) add_node(sub, pinfo, tvbs, c);
}

std::vector<tvbuff_t*> make_buffers(tvbuff_t* tvb, packet_info* pinfo, const pd::Result& r) {
  std::vector<tvbuff_t*> tvbs{tvb};
  for (const auto& b : r.buffers) {
    auto* p = static_cast<guint8*>(wmem_memdup(pinfo->pool, b.data.data(), b.data.size()));
    tvbuff_t* child =
        tvb_new_child_real_data(tvb, p, static_cast<guint>(b.data.size()), static_cast<gint>(b.data.size()));
    add_new_data_source(pinfo, child, b.name.c_str());
    tvbs.push_back(child);
  }
  return tvbs;
}

int show(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const pd::Result& r) {
  col_add_str(pinfo->cinfo, COL_PROTOCOL, r.protocol.c_str());
  col_clear(pinfo->cinfo, COL_INFO);
  col_add_str(pinfo->cinfo, COL_INFO, r.info.c_str());
  auto tvbs = make_buffers(tvb, pinfo, r);
  for (const auto& n : r.tree) add_node(tree, pinfo, tvbs, n);
  if (r.handoff != pd::Handoff::kNone && r.handoff_buffer < tvbs.size()) {
    tvbuff_t* b = tvbs[r.handoff_buffer];
    const guint cap = tvb_captured_length(b);
    if (r.handoff_offset <= cap && r.handoff_length <= cap - r.handoff_offset) {
      tvbuff_t* sub =
          tvb_new_subset_length(b, static_cast<gint>(r.handoff_offset), static_cast<gint>(r.handoff_length));
      dissector_handle_t h = r.handoff == pd::Handoff::kIp    ? g_ip_handle
                             : r.handoff == pd::Handoff::kArp ? g_arp_handle
                                                              : g_data_handle;
      if (h != nullptr) call_dissector(h, sub, pinfo, tree);
    }
  }
  return static_cast<int>(tvb_captured_length(tvb));
}

int dissect_sl(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
  if (!g_keys_loaded || g_loaded_path != (g_keylog_pref != nullptr ? g_keylog_pref : "")) load_keys();
  const guint len = tvb_captured_length(tvb);
  pd::FrameInput in;
  in.number = pinfo->num;
  in.unix_seconds = static_cast<std::int64_t>(pinfo->abs_ts.secs);
  in.data = prose::ByteView(tvb_get_ptr(tvb, 0, static_cast<gint>(len)), len);
  return show(tvb, pinfo, tree, g_dissector->dissect_sidelink(in));
}

gboolean heur_sl(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  const guint len = tvb_captured_length(tvb);
  if (len != tvb_reported_length(tvb)) return FALSE;
  if (!pd::looks_like_sidelink(prose::ByteView(tvb_get_ptr(tvb, 0, static_cast<gint>(len)), len))) return FALSE;
  dissect_sl(tvb, pinfo, tree, data);
  return TRUE;
}

// PC8 / PC3 XML by media type: the XML dissector, then every GPI element's value as GBA Push Info.
int dissect_prose_xml(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  if (g_xml_handle != nullptr) call_dissector_with_data(g_xml_handle, tvb, pinfo, tree, data);
  const guint len = tvb_captured_length(tvb);
  const char* p = reinterpret_cast<const char*>(tvb_get_ptr(tvb, 0, static_cast<gint>(len)));
  const std::string body(p, len);
  const std::string_view tag = prose::pc8::el::kGpi;
  for (std::size_t lt = body.find('<'); lt != std::string::npos; lt = body.find('<', lt + 1)) {
    // <GPI> or <prefix:GPI ...>: the element's text is the GPI in hex.
    const std::size_t gt = body.find('>', lt);
    if (gt == std::string::npos) break;
    std::string name = body.substr(lt + 1, gt - lt - 1);
    name = name.substr(0, name.find(' '));
    if (name.empty() || name[0] == '/' || name.back() == '/') continue;
    if (const auto colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
    if (name != tag) continue;
    const std::size_t close = body.find('<', gt);
    if (close == std::string::npos) break;
    std::string hex = body.substr(gt + 1, close - gt - 1);
    std::erase_if(hex, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
    auto bytes = prose::from_hex(hex, "GPI");
    if (!bytes.ok() || bytes->empty()) continue;
    pd::Result r = g_dissector->dissect_gpi(*bytes);
    r.buffers.insert(r.buffers.begin(), pd::Buffer{"GPI (from XML)", std::move(*bytes)});
    for (auto& n : r.tree) n.buffer = 1;  // the GPI's own buffer
    auto tvbs = make_buffers(tvb, pinfo, r);
    for (const auto& n : r.tree) add_node(tree, pinfo, tvbs, n);
  }
  return static_cast<int>(len);
}

void register_protoinfo() {
  g_dissector = new pd::Dissector();
  for (const auto& p : pd::kProtos)
    g_proto[static_cast<std::size_t>(p.id)] = proto_register_protocol(p.name, p.short_name, p.filter);
  g_hf_info = new std::array<std::vector<hf_register_info>, pd::kProtoCount>();
  g_ei_info = new std::array<std::vector<ei_register_info>, pd::kProtoCount>();
  for (const auto& f : pd::kFields) {
    g_hf[static_cast<std::size_t>(f.id)] = -1;
    hf_register_info h{};
    h.p_id = &g_hf[static_cast<std::size_t>(f.id)];
    h.hfinfo.name = f.name;
    h.hfinfo.abbrev = f.abbrev;
    h.hfinfo.type = ft_of(f.kind);
    h.hfinfo.display = display_of(f);
    HFILL_INIT(h);
    (*g_hf_info)[static_cast<std::size_t>(f.proto)].push_back(h);
  }
  for (std::size_t p = 0; p < pd::kProtoCount; ++p)
    if (!(*g_hf_info)[p].empty())
      proto_register_field_array(g_proto[p], (*g_hf_info)[p].data(), static_cast<int>((*g_hf_info)[p].size()));
  static std::array<gint*, pd::kFieldCount + pd::kProtoCount> ett_ptrs;
  for (std::size_t i = 0; i < g_ett.size(); ++i) {
    g_ett[i] = -1;
    ett_ptrs[i] = &g_ett[i];
  }
  proto_register_subtree_array(ett_ptrs.data(), static_cast<int>(ett_ptrs.size()));
  for (const auto& e : pd::kExperts) {
    ei_register_info x{};
    x.ids = &g_ei[static_cast<std::size_t>(e.id)];
    *x.ids = EI_INIT;
    x.eiinfo.name = e.abbrev;
    x.eiinfo.summary = e.summary;
    x.eiinfo.severity = e.severity == pd::Severity::kError  ? PI_ERROR
                        : e.severity == pd::Severity::kWarn ? PI_WARN
                                                            : PI_NOTE;
    switch (e.group) {
      case pd::Group::kChecksum:
        x.eiinfo.group = PI_CHECKSUM;
        break;
      case pd::Group::kSequence:
        x.eiinfo.group = PI_SEQUENCE;
        break;
      case pd::Group::kMalformed:
        x.eiinfo.group = PI_MALFORMED;
        break;
      case pd::Group::kDecryption:
        x.eiinfo.group = PI_DECRYPTION;
        break;
      case pd::Group::kUndecoded:
        x.eiinfo.group = PI_UNDECODED;
        break;
      default:
        x.eiinfo.group = PI_PROTOCOL;
        break;
    }
    HFILL_INIT(x.eiinfo.hf_info);
    (*g_ei_info)[static_cast<std::size_t>(e.proto)].push_back(x);
  }
  for (std::size_t p = 0; p < pd::kProtoCount; ++p)
    if (!(*g_ei_info)[p].empty())
      expert_register_field_array(expert_register_protocol(g_proto[p]), (*g_ei_info)[p].data(),
                                  static_cast<int>((*g_ei_info)[p].size()));
  const int sl = proto_of(pd::Proto::kSl);
  g_sl_handle = register_dissector("prose_sl", dissect_sl, sl);
  module_t* m = prefs_register_protocol(sl, nullptr);
  prefs_register_filename_preference(m, "keylog_file", "PC5 key log file",
                                     "The PC5 key log the agents write ([log] pc5_keylog or PROSE_KEYLOGFILE): PEK/PIK "
                                     "of every link and the discovery keys (docs/wireshark.md)",
                                     &g_keylog_pref, FALSE);
  register_init_routine(init_routine);
}

void register_handoff() {
  dissector_add_uint_range_with_preference("udp.port", "", g_sl_handle);
  heur_dissector_add("udp", heur_sl, "ProSe sidelink frames over UDP", "prose_sl_udp", proto_of(pd::Proto::kSl),
                     HEURISTIC_ENABLE);
  const int gpi = proto_of(pd::Proto::kGpi);
  g_xml_handle = find_dissector_add_dependency("xml", gpi);
  g_ip_handle = find_dissector_add_dependency("ip", proto_of(pd::Proto::kPdcp));
  g_arp_handle = find_dissector_add_dependency("arp", proto_of(pd::Proto::kPdcp));
  g_data_handle = find_dissector_add_dependency("data", proto_of(pd::Proto::kPdcp));
  dissector_handle_t xml = create_dissector_handle(dissect_prose_xml, gpi);
  static const std::string pc8(prose::pc8::kContentType), pc3(prose::pc3::kContentType);
  dissector_add_string("media_type", pc8.c_str(), xml);
  dissector_add_string("media_type", pc3.c_str(), xml);
}

}  // namespace

void plugin_register(void) {
  static proto_plugin plug;
  plug.register_protoinfo = register_protoinfo;
  plug.register_handoff = register_handoff;
  proto_register_plugin(&plug);
}
