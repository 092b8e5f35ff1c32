# cmake -DIN=schema/pc3.xsd -DOUT=file.cpp -P embed_xsd.cmake : writes the XSD as a C++ string.
file(READ ${IN} text)
string(FIND "${text}" ")pc3xsd\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "pc3.xsd contains the raw string delimiter")
endif()
file(WRITE ${OUT}.tmp "// Generated from schema/pc3.xsd by embed_xsd.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace prose::prosefn::detail {\n"
  "extern const std::string_view kEmbeddedSchema;\n"
  "const std::string_view kEmbeddedSchema = R\"pc3xsd(${text})pc3xsd\";\n"
  "}  // namespace prose::prosefn::detail\n")
file(RENAME ${OUT}.tmp ${OUT})
