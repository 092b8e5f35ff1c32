target_link_libraries(unit_${m} PRIVATE SQLite::SQLite3 PostgreSQL::PostgreSQL)
