# The Zh/Zpn/Zn tests talk to the HSS/BSF with the PKMF's Diameter client.
target_link_libraries(unit_hss PRIVATE prose_diameter_client)
