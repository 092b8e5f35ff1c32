target_link_libraries(unit_${m} PRIVATE prose_hss prose_gba prose_mikey prose_net)
