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

# Each module's headers are visible only to the targets that link it, directly or through its dependencies: the
# module's include directory in the build tree holds one symbolic link, prose/<name> -> src/prose/<name>, so that
# "prose/<x>/..." resolves only where prose_<x> is a (transitive) dependency. Nothing adds src/ as a whole; a module
# that includes another it does not depend on fails to compile (integration.layering checks the same from the table
# of docs/architecture.md, and integration.layering.include_paths checks what each module sees).
function(prose_include_dir name out)
  set(dir ${PROJECT_BINARY_DIR}/prose-include/${name})
  set(target ${PROJECT_SOURCE_DIR}/src/prose/${name})
  if(IS_SYMLINK ${dir}/prose/${name})
    file(READ_SYMLINK ${dir}/prose/${name} current)
  endif()
  if(NOT current STREQUAL target)  # new, or the checkout moved
    file(MAKE_DIRECTORY ${dir}/prose)
    file(REMOVE ${dir}/prose/${name})
    file(CREATE_LINK ${target} ${dir}/prose/${name} SYMBOLIC)
  endif()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

# prose_module(<name> [DEPS targets...] [HEADERS_OF modules...])
# HEADERS_OF: modules whose headers this one includes without linking them (the table's `x (h.h)` entries; which
# headers is checked by integration.layering).
function(prose_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;HEADERS_OF" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    message(STATUS "module ${name}: no sources yet, skipped")
    return()
  endif()
  add_library(prose_${name} STATIC ${srcs})
  add_library(prose::${name} ALIAS prose_${name})
  prose_include_dir(${name} own)
  target_include_directories(prose_${name} PUBLIC ${own})
  foreach(other ${ARG_HEADERS_OF})
    prose_include_dir(${other} dir)
    target_include_directories(prose_${name} PUBLIC ${dir})
  endforeach()
  target_link_libraries(prose_${name} PUBLIC ${ARG_DEPS})
  set_target_properties(prose_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  prose_apply_common(prose_${name})
  set_property(GLOBAL APPEND PROPERTY PROSE_MODULES ${name})
endfunction()
