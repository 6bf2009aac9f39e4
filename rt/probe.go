package rt

import (
	"fmt"
	"os"
	"sync"
)

// EnvProbeOut names the file a soundness build appends the sites that ran
// to, one site index (into the plan's sites) per line.
const EnvProbeOut = "SSAWEAVE_PROBE_OUT"

var (
	probed    sync.Map // site index → struct{}: recorded already
	probeMu   sync.Mutex
	probeFile *os.File
	probeErr  bool
)

// Probe records that the site with the given index in the plan ran. A
// soundness build (ssaweave's Options.Probe) binds every candidate site's
// probe hook to it; each site is written once, when it first runs, so that
// nothing is lost however the program ends.
func Probe(site int) {
	if _, done := probed.LoadOrStore(site, struct{}{}); done {
		return
	}
	defer Recover("Probe")
	probeMu.Lock()
	defer probeMu.Unlock()
	if probeFile == nil && !probeErr {
		name := os.Getenv(EnvProbeOut)
		if name == "" {
			probeErr = true
			return
		}
		f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ssaweave: probe output: %v\n", err)
			probeErr = true
			return
		}
		probeFile = f
	}
	if probeFile != nil {
		fmt.Fprintf(probeFile, "%d\n", site)
	}
}
