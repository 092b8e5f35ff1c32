# The tests build PDUs the way the link machines do (SessionContext's modes and user-data bearer).
target_link_libraries(unit_${m} PRIVATE prose_link)
