package rt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
)

// childEnv names the variable that turns a run of the test binary into a
// child process acting as a woven program, so that exits and signals can
// be observed from outside.
const childEnv = "SSAWEAVE_RT_TEST_CHILD"

// runChild runs the test function named test in a child process with
// childEnv=role and rt configured, through the environment, to print spans
// on stdout. The batch processor's delay is an hour, so a span reaches the
// output only through one of rt's flushes.
func runChild(t *testing.T, test, role string) (stdout string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(),
		childEnv+"="+role,
		"OTEL_SDK_DISABLED=false",
		"OTEL_TRACES_EXPORTER=console",
		"OTEL_BSP_SCHEDULE_DELAY=3600000",
	)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if errOut.Len() > 0 {
		t.Logf("child stderr: %s", errOut.String())
	}
	return out.String(), err
}

// childSpan records one span through the global provider rt installed.
func childSpan(name string) {
	_, span := otel.Tracer("child").Start(context.Background(), name)
	span.End()
}

func TestAtMainReturnFlushes(t *testing.T) {
	if os.Getenv(childEnv) == "main-return" {
		childSpan("span-before-return")
		AtMainReturn()
		// os is not woven in the test binary: this exit flushes nothing.
		os.Exit(0)
	}
	out, err := runChild(t, "TestAtMainReturnFlushes", "main-return")
	if err != nil {
		t.Fatalf("child failed: %v", err)
	}
	if !strings.Contains(out, `"span-before-return"`) {
		t.Errorf("span not exported by AtMainReturn; stdout:\n%s", out)
	}
}

func TestExitHookFlushes(t *testing.T) {
	if os.Getenv(childEnv) == "exit" {
		childSpan("span-before-exit")
		// What a woven os.Exit does first.
		if exitHook == nil {
			os.Exit(99)
		}
		exitHook(3)
		os.Exit(3)
	}
	out, err := runChild(t, "TestExitHookFlushes", "exit")
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Fatalf("child ended with %v, want exit status 3 (99: exit hook not bound)", err)
	}
	if !strings.Contains(out, `"span-before-exit"`) {
		t.Errorf("span not exported by the exit hook; stdout:\n%s", out)
	}
}
