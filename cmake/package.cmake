# `make deb`: the Debian package (CPack): the stripped binary in `sealpost`, its debug
# information in `sealpost-dbgsym`, the systemd unit, and maintainer scripts that make
# the system user and /etc/sealpost (packaging/).
install(TARGETS sealpost RUNTIME DESTINATION bin)
# Debian 12 keeps units in /lib (usrmerge aside, dpkg must see the same path).
install(FILES ${CMAKE_SOURCE_DIR}/packaging/sealpost.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/packaging/copyright
        DESTINATION share/doc/sealpost)
# The changelog and the manual page, compressed as Debian keeps them (-n: reproducible).
foreach(doc changelog sealpost.1)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/packaging/${doc}.gz
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
                     COMMAND gzip -n -9 -c ${CMAKE_SOURCE_DIR}/packaging/${doc}
                             > ${CMAKE_BINARY_DIR}/packaging/${doc}.gz
                     DEPENDS ${CMAKE_SOURCE_DIR}/packaging/${doc})
endforeach()
add_custom_target(package_docs ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.gz
                                           ${CMAKE_BINARY_DIR}/packaging/sealpost.1.gz)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz DESTINATION share/doc/sealpost)
install(FILES ${CMAKE_BINARY_DIR}/packaging/sealpost.1.gz DESTINATION share/man/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sealpost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sealpost developers <dev@sealpost.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "secure email gateway: TLS, PGP/S-MIME or encrypted portal pickup")
set(CPACK_PACKAGE_DESCRIPTION "sealpost sends protected information by email. For each \
recipient it picks\nTLS-only delivery, PGP or S/MIME, or an encrypted web-portal pickup,\n\
with expiry, retraction, read tracking and an audit record.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, ca-certificates, dns-root-data")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/packaging/postinst;${CMAKE_SOURCE_DIR}/packaging/prerm;${CMAKE_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
include(CPack)
