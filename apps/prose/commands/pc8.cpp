// `prose pc8 example | validate | schema`: the PC8 Key Request / Key Response XML messages (TS 33.303 Annex E,
// provisional schema schema/pc8.xsd, embedded in the binary).
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "cli.h"
#include "prose/pc8/codec.h"
#include "prose/pc8/examples.h"
#include "prose/pc8/schema.h"

namespace prose::cli::pc8_command {
namespace {

struct ExampleOpts {
  std::string kind;
  bool list = false;
  bool* json = nullptr;
};

struct ValidateOpts {
  std::string file;
  bool* json = nullptr;
};

std::string kinds_line() {
  std::string s;
  for (const auto& e : pc8::example_list()) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

void add_example(CLI::App* group) {
  auto o = std::make_shared<ExampleOpts>();
  auto* sub = group->add_subcommand("example", "Print a valid sample message of one kind (--list: the kinds)");
  sub->add_option("kind", o->kind, "Message kind, e.g. kd-request (see --list)");
  sub->add_flag("--list", o->list, "List the kinds with a description");
  o->json = add_json_flag(sub, {"kinds", "kind", "message", "xml"});
  sub->callback([o] {
    if (o->list) {
      if (*o->json) {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& e : pc8::example_list()) {
          arr.push_back({{"kind", std::string(e.name)}, {"description", std::string(e.description)}});
        }
        Output(true).raw("kinds", arr).print();
      } else {
        for (const auto& e : pc8::example_list()) std::cout << e.name << "  " << e.description << "\n";
      }
      return;
    }
    if (o->kind.empty()) bad_input("kind: missing (one of: " + kinds_line() + ")");
    auto m = pc8::example(o->kind);
    if (!m) bad_input("kind: unknown kind '" + o->kind + "' (one of: " + kinds_line() + ")");
    const SecretString xml = or_exit(pc8::Codec::encode(*m), "example", kExitFailure);  // example keys, not secret
    if (*o->json) {
      Output out(true);
      out.text("kind", "Kind", o->kind).text("message", "Message", std::string(pc8::kind_name(pc8::kind_of(*m))));
      out.text("xml", "XML", std::string(xml.view())).print();
    } else {
      std::cout << xml.view();
    }
  });
}

void add_validate(CLI::App* group) {
  auto o = std::make_shared<ValidateOpts>();
  auto* sub = group->add_subcommand(
      "validate", "Check a message against schema/pc8.xsd (libxml2) and the codec; exit 2 with the reason");
  sub->add_option("file", o->file, "XML file, or - for standard input")->required();
  o->json = add_json_flag(sub, {"valid", "kind", "transaction_id"});
  sub->callback([o] {
    std::string xml = read_document(o->file, pc8::kMaxBodySize + 1);
    auto st = pc8::validate_document(xml);
    if (!st.ok()) {
      Output(*o->json).flag("valid", "Valid", false).print();
      throw Exit(kExitBadInput, o->file + ": " + st.error().to_string(), "invalid_document");
    }
    auto m = pc8::Codec::decode(xml);  // cannot fail after validate_document
    Output out(*o->json);
    out.flag("valid", "Valid", true);
    out.text("kind", "Kind", std::string(pc8::kind_name(pc8::kind_of(*m))));
    out.num("transaction_id", "Transaction ID", static_cast<std::int64_t>(pc8::transaction_id_of(*m).value));
    out.print();
  });
}

void add_schema(CLI::App* group) {
  auto* sub = group->add_subcommand("schema", "Print the XML schema (schema/pc8.xsd) built into this binary");
  sub->callback([] { std::cout << pc8::schema_text(); });
}

}  // namespace

void register_pc8(CLI::App& app) {
  CLI::App* group = subcommand_group(app, "pc8", "PC8 Key Request/Response XML messages: samples and validation");
  add_example(group);
  add_validate(group);
  add_schema(group);
}

}  // namespace prose::cli::pc8_command
