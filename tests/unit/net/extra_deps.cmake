target_link_libraries(unit_net PRIVATE prose_testbed)  # test_util.h and psk_test.cpp start servers and wait for them
