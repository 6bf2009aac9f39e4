package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestSelfInstrumentedPlan checks de-duplication in plans of the programs
// that TestGRPC and TestRedis also build by hand (`manual` tag): plain,
// grpcapp gets grpc.server and grpc.client woven and redisapp
// go-redis.client and go-redis.failover; with the tag, grpcapp installs
// otelgrpc's stats handlers itself (otelgrpc.NewServerHandler,
// NewClientHandler) and redisapp calls redisotel.InstrumentTracing on each
// client, so each of those rules is pruned, naming the function of its
// InstrumentedBy that the program reaches and a path from main to it:
// weaving them too would trace every RPC and command twice. `ssaweave plan`
// builds nothing, so this is cheap next to the end-to-end tests.
func TestSelfInstrumentedPlan(t *testing.T) {
	const (
		otelgrpc  = "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc."
		redisotel = "github.com/redis/go-redis/extra/redisotel/v9."
	)
	for _, tc := range []struct {
		program string
		by      map[string]string // rule → the InstrumentedBy function the manual variant reaches
	}{
		{"grpcapp", map[string]string{
			"grpc.server": otelgrpc + "NewServerHandler",
			"grpc.client": otelgrpc + "NewClientHandler",
		}},
		{"redisapp", map[string]string{
			"go-redis.client":   redisotel + "InstrumentTracing",
			"go-redis.failover": redisotel + "InstrumentTracing",
		}},
	} {
		t.Run(tc.program, func(t *testing.T) {
			dir := e2e.CopyProgram(t, tc.program)
			plain := dedupPlan(t, dir, ".")
			manual := dedupPlan(t, dir, "-tags", "manual", ".")
			for rule, fn := range tc.by {
				if s, ok := plain[rule]; !ok || s.Status != "woven" {
					t.Errorf("plain: %s is %q (%s), want woven", rule, s.Status, s.Reason)
				}
				s, ok := manual[rule]
				if !ok {
					t.Errorf("-tags manual: no site of %s", rule)
					continue
				}
				// The reason ends with the call graph's name, "(rta)" or
				// "(vta)": auto picks one by the program's size.
				if want := "the program instruments this itself: " + fn + " is reachable ("; s.Status != "pruned" || !strings.HasPrefix(s.Reason, want) {
					t.Errorf("-tags manual: %s is %s (%s), want pruned: %s...", rule, s.Status, s.Reason, want)
				}
				if len(s.Path) < 2 || s.Path[0] != "example.com/"+tc.program+".main" || s.Path[len(s.Path)-1] != fn {
					t.Errorf("-tags manual: %s has path %q, want one from main to %s", rule, s.Path, fn)
				}
			}
		})
	}
}

// dedupSite is one site of `ssaweave plan -json`, as
// TestSelfInstrumentedPlan reads it.
type dedupSite struct {
	Rule, Status, Reason string
	Path                 []string
}

// dedupPlan returns the sites of `ssaweave plan -json args...` in dir, by
// rule name.
func dedupPlan(t *testing.T, dir string, args ...string) map[string]dedupSite {
	t.Helper()
	out := e2e.Run(t, dir, e2e.Env(), e2e.SSAWeave(t), append([]string{"plan", "-json"}, args...)...)
	var p struct{ Sites []dedupSite }
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan -json %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	sites := map[string]dedupSite{}
	for _, s := range p.Sites {
		sites[s.Rule] = s
	}
	return sites
}
