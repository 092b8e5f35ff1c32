# The fake PKMF derives KD and runs GBA Push (with Milenage) as the real one does.
target_link_libraries(unit_${m} PRIVATE prose_gba prose_keys prose_crypto prose_pdcp prose_pc5)
