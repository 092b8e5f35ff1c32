# `cmake --install` and the Debian package (`make package`, CPack): the prose program, the XML schemas, the user
# docs, example configurations for the packaged services, their systemd units and the Grafana dashboard
# (packaging/).
include(GNUInstallDirs)
install(TARGETS prose RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/schema/pc3.xsd ${PROJECT_SOURCE_DIR}/schema/pc8.xsd
        DESTINATION ${CMAKE_INSTALL_DATADIR}/prose/schema)
file(GLOB prose_user_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${prose_user_docs} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/prose)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/etc/pkmf.toml ${PROJECT_SOURCE_DIR}/packaging/etc/prose-function.toml
              ${PROJECT_SOURCE_DIR}/packaging/etc/hss.toml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/prose/examples)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/grafana/prose.json DESTINATION ${CMAKE_INSTALL_DATADIR}/prose/grafana)
# systemd looks in /lib/systemd/system whatever the prefix (Debian 12).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/systemd/prose-pkmf.service
              ${PROJECT_SOURCE_DIR}/packaging/systemd/prose-function.service
              ${PROJECT_SOURCE_DIR}/packaging/systemd/prose-hss.service
        DESTINATION /lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME prose)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "prose-relay-security maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "3GPP ProSe UE-to-Network Relay security (TS 33.303): PKMF, ProSe Function, agents")
set(CPACK_PACKAGE_INSTALL_DIRECTORY /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
