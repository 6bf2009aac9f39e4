// Package gctune sets the garbage collector of an analysis process: collect
// rarely while the heap is far below a memory budget, and never less often
// than Go's default once it is not.
//
// Whole-program analysis builds a large heap that stays live (syntax,
// types, SSA, call graph: 1.3 GiB for caddy's 1,019 packages), and with
// Go's default GOGC=100 it collects every time the heap doubles, which
// cost about 5 of the 23 CPU-seconds of a caddy plan. Collecting less
// often trades memory for time: GOGC=400 alone took 11.0 s instead of
// 13.5 s, but 4.0 GB. A memory limit turns that into a budget: the
// collector then runs when the heap would pass the smaller of five times
// the live heap and the budget. When the live heap itself grows past
// half the budget, a budget that stayed put would make the collector run
// more often than the default would (or, past the whole budget, without
// pause), so after every collection the limit is raised to at least twice
// the live heap: no program collects more often than under GOGC=100.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
)

// Budget is the heap size up to which an analysis process collects
// rarely: the memory target of issue 6 (3 GiB for 1,000-2,000 packages),
// less room for what the limit does not count.
const Budget = 2816 << 20 // 2.75 GiB

// Percent is the GOGC value used under the budget.
const Percent = 400

var once sync.Once

// Apply sets the collector for analysis, unless the user chose its
// settings (GOGC or GOMEMLIMIT in the environment), which always win. It
// is meant for main functions: the settings are the process's.
func Apply() {
	once.Do(func() {
		if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
			return
		}
		limit := int64(Budget)
		if total := totalMemory(); total > 0 && total/2 < limit {
			limit = total / 2 // a small machine: keep the budget within half its memory
		}
		apply(limit)
	})
}

// apply sets GOGC to Percent under the memory limit limit, raised as the
// live heap grows.
func apply(limit int64) {
	debug.SetMemoryLimit(limit)
	debug.SetGCPercent(Percent)
	watch(limit)
}

// watch raises the memory limit after each collection to at least twice
// the live heap.
func watch(limit int64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var tick func()
	tick = func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if floor := 2 * int64(sample[0].Value.Uint64()); floor > limit {
				limit = floor + floor/8
				debug.SetMemoryLimit(limit)
			}
		}
		arm(tick)
	}
	arm(tick)
}

// arm runs f after the next garbage collection: the finalizer of an
// object nothing references runs once a collection has found it
// unreachable.
// (Not a tiny allocation: finalizers of those may never run.)
func arm(f func()) {
	sentinel := new([32]byte)
	runtime.SetFinalizer(sentinel, func(*[32]byte) { f() })
}

// totalMemory returns the machine's memory in bytes, or 0 where it cannot
// tell (it reads /proc/meminfo).
func totalMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}
