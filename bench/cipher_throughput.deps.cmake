# Baselines call ipsec-mb and OpenSSL directly.
target_link_libraries(bench_${name} PRIVATE ipsec_mb::ipsec_mb OpenSSL::Crypto)
