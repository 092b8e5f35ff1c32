target_link_libraries(unit_${m} PRIVATE LibXml2::LibXml2)
