# cmake -DIN=schema/pc8.xsd -DOUT=file.cpp -P embed_xsd.cmake : writes the XSD as a C++ string.
file(READ ${IN} text)
string(FIND "${text}" ")pc8xsd\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "pc8.xsd contains the raw string delimiter")
endif()
file(WRITE ${OUT}.tmp "// Generated from schema/pc8.xsd by embed_xsd.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace prose::pc8::detail {\n"
  "extern const std::string_view kEmbeddedSchema;\n"
  "const std::string_view kEmbeddedSchema = R\"pc8xsd(${text})pc8xsd\";\n"
  "}  // namespace prose::pc8::detail\n")
file(RENAME ${OUT}.tmp ${OUT})
