target_link_libraries(fuzz_${name} PRIVATE prose_gba prose_keys prose_crypto prose_pdcp prose_pc5 prose_cipher)
target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/link)
