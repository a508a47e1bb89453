package main

import (
	"os"
	"testing"
)

// asMainEnv makes the test binary behave as keepalived itself, so the lab
// and VM tests run the real command without a separate build step.
const asMainEnv = "KEEPALIVED_GO_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) != "" {
		os.Exit(run(os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
