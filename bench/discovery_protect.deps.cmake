target_link_libraries(bench_${name} PRIVATE prose_crypto prose_cipher)
