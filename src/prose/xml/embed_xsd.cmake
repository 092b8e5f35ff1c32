# Embedding an XSD into a module's library as a C++ string, so an installed prose binary validates without the
# source tree. Two uses of this one file:
#   include(.../src/prose/xml/embed_xsd.cmake) then prose_embed_xsd(<target> <xsd file> <C++ namespace>):
#     adds a generated source defining `const std::string_view <namespace>::detail::kEmbeddedSchema`,
#     regenerated whenever the .xsd changes;
#   cmake -DIN=<xsd> -DOUT=<file.cpp> -DNS=<namespace> -P embed_xsd.cmake : writes that source (build step).
if(CMAKE_SCRIPT_MODE_FILE)
  file(READ ${IN} text)
  get_filename_component(name ${IN} NAME)
  string(FIND "${text}" ")xsd\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw string delimiter")
  endif()
  file(WRITE ${OUT}.tmp "// Generated from schema/${name} by embed_xsd.cmake. Do not edit.\n"
    "#include <string_view>\n"
    "namespace ${NS}::detail {\n"
    "extern const std::string_view kEmbeddedSchema;\n"
    "const std::string_view kEmbeddedSchema = R\"xsd(${text})xsd\";\n"
    "}  // namespace ${NS}::detail\n")
  file(RENAME ${OUT}.tmp ${OUT})
  return()
endif()

set(PROSE_EMBED_XSD_SCRIPT ${CMAKE_CURRENT_LIST_FILE})

function(prose_embed_xsd target xsd ns)
  if(NOT TARGET ${target})
    return()
  endif()
  get_filename_component(base ${xsd} NAME_WE)
  get_filename_component(name ${xsd} NAME)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/${base}_xsd_embedded.cpp)
  add_custom_command(
    OUTPUT ${gen}
    COMMAND ${CMAKE_COMMAND} -DIN=${xsd} -DOUT=${gen} -DNS=${ns} -P ${PROSE_EMBED_XSD_SCRIPT}
    DEPENDS ${xsd} ${PROSE_EMBED_XSD_SCRIPT}
    COMMENT "Embedding schema/${name}"
    VERBATIM)
  target_sources(${target} PRIVATE ${gen})
endfunction()
