# Every external dependency in one place. scripts/install-deps installs the Debian packages.
find_package(OpenSSL 3.0 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(Boost 1.81 REQUIRED)
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

if(PROSE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(PROSE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
