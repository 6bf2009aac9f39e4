package backend

import (
	"testing"

	"github.com/ssaweave/ssaweave/backend/gocmd"
)

func TestKeyGcflags(t *testing.T) {
	for _, tc := range []struct {
		user []string
		want string
	}{
		{nil, "-gcflags=google.golang.org/grpc=-ssaweavekey=K"},
		{[]string{"all=-N -l"}, "-gcflags=google.golang.org/grpc=-N -l -ssaweavekey=K"},
		{[]string{"all=-N", "google.golang.org/...=-m"}, "-gcflags=google.golang.org/grpc=-m -ssaweavekey=K"},
		{[]string{"google.golang.org/...=-m", "all=-N"}, "-gcflags=google.golang.org/grpc=-N -ssaweavekey=K"},
		{[]string{"all=-N", ""}, "-gcflags=google.golang.org/grpc=-ssaweavekey=K"},
		{[]string{"-N"}, "-gcflags=google.golang.org/grpc=-ssaweavekey=K"}, // command-line packages only
		{[]string{"example.com/...=-m"}, "-gcflags=google.golang.org/grpc=-ssaweavekey=K"},
		{[]string{"google.golang.org/grpc/...=-S"}, "-gcflags=google.golang.org/grpc=-S -ssaweavekey=K"},
	} {
		if got := keyGcflags(tc.user, "google.golang.org/grpc", "K"); got != tc.want {
			t.Errorf("keyGcflags(%q) = %q, want %q", tc.user, got, tc.want)
		}
	}
}

func TestUserGcflags(t *testing.T) {
	inv, err := gocmd.Parse([]string{"build", "-gcflags=all=-N", "-gcflags", "p=-m", "."})
	if err != nil {
		t.Fatal(err)
	}
	got := userGcflags([]string{"GOFLAGS=-gcflags=all=-l -mod=mod"}, inv)
	want := []string{"all=-l", "all=-N", "p=-m"}
	if len(got) != len(want) {
		t.Fatalf("userGcflags = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("userGcflags = %q, want %q", got, want)
		}
	}
}

func TestUnderModCache(t *testing.T) {
	for dir, want := range map[string]bool{
		"/m/google.golang.org/grpc@v1.0.0": true,
		"/m":                               true,
		"/mod/x":                           false,
		"/work/app":                        false,
	} {
		if got := underModCache(dir, "/m"); got != want {
			t.Errorf("underModCache(%s) = %v", dir, got)
		}
	}
	if underModCache("/m/x", "") {
		t.Error("no module cache: nothing is under it")
	}
}
