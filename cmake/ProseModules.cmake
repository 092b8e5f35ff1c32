# Conventions that keep modules independent:
#   src/prose/<m>/*.cpp           -> library prose_<m> (alias prose::<m>), declared by prose_module()
#   tests/unit/<m>/*.cpp          -> test program unit_<m>, linked to prose_<m>, label "unit"
#   tests/integration/<area>/     -> its own CMakeLists.txt (label "integration")
#   bench/<m>_*.cpp               -> benchmark program bench_<m>_*, linked to prose_<m>
#   fuzz/<m>_*.cpp                -> libFuzzer program fuzz_<m>_*, linked to prose_<m>; corpus in fuzz/corpus/<m>_*
#   apps/prose/commands/<c>.cpp   -> defines prose::cli::<c>_command::register_<c>(CLI::App&) for the prose command

set(PROSE_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)

function(prose_apply_common target)
  target_compile_options(${target} PRIVATE ${PROSE_WARNINGS})
  if(PROSE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(PROSE_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# prose_module(<name> [DEPS targets...])
function(prose_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    message(STATUS "module ${name}: no sources yet, skipped")
    return()
  endif()
  add_library(prose_${name} STATIC ${srcs})
  add_library(prose::${name} ALIAS prose_${name})
  target_include_directories(prose_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(prose_${name} PUBLIC ${ARG_DEPS})
  set_target_properties(prose_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  prose_apply_common(prose_${name})
  set_property(GLOBAL APPEND PROPERTY PROSE_MODULES ${name})
endfunction()
