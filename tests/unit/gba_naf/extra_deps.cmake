target_link_libraries(unit_${m} PRIVATE prose_pkmf prose_store prose_pc8 prose_hss prose_gba)
