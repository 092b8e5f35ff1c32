target_link_libraries(unit_${m} PRIVATE prose_hss prose_gba prose_mikey prose_net)
target_link_libraries(unit_pkmf PRIVATE prose_asio)  # fake_diameter_peer.h uses Asio
