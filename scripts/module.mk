# make check: install into a scratch prefix and build examples/ against it.
CHECK_SCRIPTS += scripts/test-install.sh
