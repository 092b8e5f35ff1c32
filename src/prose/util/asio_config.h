// Included first by every file that includes Asio or Beast: they must all be compiled with the project's one Asio
// configuration (the prose_asio CMake target, cmake/ProseDependencies.cmake), or the same header-only template is
// instantiated with different object layouts in different translation units (an ODR violation).
#pragma once

#if !defined(BOOST_ASIO_NO_DEPRECATED) || !defined(BOOST_BEAST_USE_STD_STRING_VIEW) || \
    !defined(BOOST_ASIO_SEPARATE_COMPILATION) || !defined(BOOST_BEAST_SEPARATE_COMPILATION)
#error "this file uses Asio: link its CMake target to prose_asio (cmake/ProseDependencies.cmake)"
#endif
