target_link_libraries(unit_${m} PRIVATE prose_net prose_store)
