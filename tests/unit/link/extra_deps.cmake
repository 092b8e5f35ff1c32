# The GPI tests use the real gba module (GBA Push Info + USIM with Milenage) as the PKMF and the UE would.
target_link_libraries(unit_${m} PRIVATE prose_gba prose_keys prose_crypto prose_pdcp prose_pc5 prose_cipher)
