target_link_libraries(unit_${m} PRIVATE OpenSSL::Crypto)
