target_link_libraries(unit_hss PRIVATE prose_asio)  # fake_diameter_peer.h uses Asio
