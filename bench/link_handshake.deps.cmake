target_link_libraries(bench_${name} PRIVATE prose_keys prose_pdcp prose_pc5 prose_cipher)
