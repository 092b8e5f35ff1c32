# Compiler and linker settings of the default build (RelWithDebInfo: `make demo`, `make build`, `make package`).
#
# Debug information: line tables only (-g1) instead of CMake's full -g. Backtraces, sanitizer and crash reports, perf
# and addr2line still name the function, file and line (inlined frames included); what goes are local variables and
# types for a debugger. Full -g made the compiler track every variable through the optimiser: the first build cost
# 30 to 40 % more CPU per file and the objects were 3 times larger (docs/performance/build.md). One setting for the
# one build directory that `make demo` and `make build` share (two would rebuild everything at each switch); for a
# debugging session: make build CMAKE_FLAGS=-DPROSE_DEBUG_INFO=-g. The sanitizer builds (`make test-asan`, the fuzz
# campaign) keep their own settings.
set(PROSE_DEBUG_INFO "-g1" CACHE STRING "Debug information option for RelWithDebInfo builds (-g1: line tables, -g: full)")
if(NOT PROSE_SANITIZE)
  # After CMAKE_<LANG>_FLAGS_RELWITHDEBINFO (-O2 -g) on the command line, so this level is the one that counts.
  add_compile_options($<$<CONFIG:RelWithDebInfo>:${PROSE_DEBUG_INFO}>)
endif()
