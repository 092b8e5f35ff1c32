# Every external dependency in one place. scripts/install-deps installs the Debian packages.
find_package(OpenSSL 3.0 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(Boost 1.81 REQUIRED)
# One Asio/Beast configuration for every translation unit that includes them. They are header-only templates: two
# translation units compiled with different settings instantiate the same function with different object layouts,
# and the linker keeps one of them (an ODR violation ASan found as a stack-buffer-overflow in HttpsServer::start when
# a test program mixed prose_net with Asio code compiled without these definitions). Every target whose sources
# include Asio or Beast links prose_asio; src/prose/util/asio_config.h refuses to compile without it.
# Separate compilation: the libraries' non-template functions are compiled once, in src/prose/asio/compiled.cpp,
# instead of inline in every translation unit that includes them (the Beast TUs were the slowest of the build).
add_library(prose_asio STATIC ${PROJECT_SOURCE_DIR}/src/prose/asio/compiled.cpp)
prose_include_dir(asio asio_include_dir)
prose_include_dir(util util_include_dir)  # compiled.cpp includes prose/util/asio_config.h (header only)
target_include_directories(prose_asio PUBLIC ${asio_include_dir} ${util_include_dir})
target_link_libraries(prose_asio PUBLIC Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_definitions(prose_asio PUBLIC BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW
                                             BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION)
set_target_properties(prose_asio PROPERTIES POSITION_INDEPENDENT_CODE ON)
prose_apply_common(prose_asio)
find_package(LibXml2 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)

# Intel ipsec-mb ships no CMake or pkg-config file.
find_path(IPSEC_MB_INCLUDE_DIR intel-ipsec-mb.h REQUIRED)
find_library(IPSEC_MB_LIBRARY IPSec_MB REQUIRED)
add_library(ipsec_mb::ipsec_mb UNKNOWN IMPORTED)
set_target_properties(ipsec_mb::ipsec_mb PROPERTIES
  IMPORTED_LOCATION "${IPSEC_MB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${IPSEC_MB_INCLUDE_DIR}")

# The tests' and benchmarks' own packages (scripts/install-deps --for test). The full build requires them; `make demo`
# configures with PROSE_REQUIRE_TEST_DEPS=OFF, so that a machine with only the demo's packages (install-deps --for
# demo) configures: the tests or benchmarks whose packages are missing are left out with a message, and since a
# package not found is searched again at every configure, the next full build (which configures again) finds them.
option(PROSE_REQUIRE_TEST_DEPS "Fail the configure when a test or benchmark package is missing (else leave them out)" ON)
set(PROSE_TESTS_ENABLED OFF)
set(PROSE_BENCH_ENABLED OFF)
if(PROSE_REQUIRE_TEST_DEPS)
  set(test_deps_required REQUIRED)
endif()
if(PROSE_BUILD_TESTS)
  find_package(GTest ${test_deps_required})
  find_program(XMLLINT xmllint ${test_deps_required})  # the PC8 and PC3 schema checks (tests/integration/pc8_cli)
  if(GTest_FOUND AND XMLLINT)
    include(GoogleTest)
    set(PROSE_TESTS_ENABLED ON)
  else()
    message(STATUS "tests: left out, GoogleTest or xmllint is missing (scripts/install-deps --for test installs them)")
  endif()
endif()
if(PROSE_BUILD_BENCH)
  find_package(benchmark ${test_deps_required})
  if(benchmark_FOUND)
    set(PROSE_BENCH_ENABLED ON)
  else()
    message(STATUS "benchmarks: left out, Google Benchmark is missing (scripts/install-deps --for test installs it)")
  endif()
endif()
