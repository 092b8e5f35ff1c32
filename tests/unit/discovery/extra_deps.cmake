target_link_libraries(unit_${m} PRIVATE prose_keys prose_cipher prose_crypto)
