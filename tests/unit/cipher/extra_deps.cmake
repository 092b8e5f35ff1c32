# The CMAC cross-check uses OpenSSL's own EVP_MAC directly.
target_link_libraries(unit_${m} PRIVATE OpenSSL::Crypto)
