target_link_libraries(unit_diameter_client PRIVATE prose_asio)  # fake_diameter_peer.h uses Asio
