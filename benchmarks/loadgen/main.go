// Command loadgen sends HTTP GET requests to one URL on the loopback
// interface from a fixed number of connections, each sending its next
// request as soon as the previous response is read, for a bounded time, and
// prints one JSON line: requests completed, errors, requests per second and
// the latency percentiles. BenchmarkHTTP in benchmarks/ runs it as a
// process of its own, so that the load does not share a Go runtime (heap,
// scheduler, GC) with the service it measures.
//
//	loadgen -url http://127.0.0.1:8080/users/42 -c 8 -d 5s -warmup 1s
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

// maxDuration bounds -d and -warmup: the tool is for short, repeated
// measurements on a shared machine, never a soak test.
const maxDuration = 2 * time.Minute

// Result is what loadgen prints, as one JSON line.
type Result struct {
	Requests int     `json:"requests"` // responses with status 200 in the measured interval
	Errors   int     `json:"errors"`   // failed requests and other statuses in it
	Seconds  float64 `json:"seconds"`  // length of the measured interval
	RPS      float64 `json:"rps"`      // Requests / Seconds
	P50us    float64 `json:"p50_us"`   // median latency of the successful requests, µs
	P99us    float64 `json:"p99_us"`   // 99th percentile, µs
	Maxus    float64 `json:"max_us"`   // slowest, µs
}

func main() {
	target := flag.String("url", "", "URL to GET; its host must be a loopback address")
	conns := flag.Int("c", 8, "connections, each with one request in flight")
	dur := flag.Duration("d", 5*time.Second, "measured duration (at most 2m)")
	warmup := flag.Duration("warmup", time.Second, "load sent before measuring, not counted (at most 2m)")
	timeout := flag.Duration("timeout", 5*time.Second, "timeout of one request")
	flag.Parse()
	if err := check(*target, *conns, *dur, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	r, err := run(*target, *conns, *dur, *warmup, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(r)
}

// check validates the flags: load only ever goes to this machine, for a
// bounded time.
func check(target string, conns int, dur, warmup time.Duration) error {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-url %q: want http://127.0.0.1:PORT/path", target)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %q: the host must be a loopback address (127.0.0.1, ::1 or localhost)", target)
	}
	if conns < 1 || conns > 1024 {
		return fmt.Errorf("-c %d: want 1 to 1024 connections", conns)
	}
	if dur <= 0 || dur > maxDuration || warmup < 0 || warmup > maxDuration {
		return fmt.Errorf("-d %v -warmup %v: the duration must be positive, the warm-up not negative, each at most %v", dur, warmup, maxDuration)
	}
	return nil
}

// run loads target from conns connections for warmup, then measures for
// dur. It fails if no request succeeded in the measured interval.
func run(target string, conns int, dur, warmup, timeout time.Duration) (Result, error) {
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil, // loopback only: never through a proxy
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			DisableCompression:  true,
		},
	}
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+dur)
	type tally struct {
		lat    []time.Duration
		errors int
		err    error // the first error, for the message when all fail
	}
	tallies := make([]tally, conns)
	var wg sync.WaitGroup
	for i := range tallies {
		t := &tallies[i]
		wg.Go(func() {
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				err := get(client, target)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
					continue // warm-up, or finished after the interval
				}
				if err != nil {
					t.errors++
					if t.err == nil {
						t.err = err
					}
					continue
				}
				t.lat = append(t.lat, t1.Sub(t0))
			}
		})
	}
	wg.Wait()
	var (
		all      []time.Duration
		errs     int
		firstErr error
	)
	for _, t := range tallies {
		all = append(all, t.lat...)
		errs += t.errors
		if firstErr == nil {
			firstErr = t.err
		}
	}
	if len(all) == 0 {
		return Result{}, fmt.Errorf("no successful request to %s in %v (%d errors; first: %v)", target, dur, errs, firstErr)
	}
	slices.Sort(all)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	return Result{
		Requests: len(all),
		Errors:   errs,
		Seconds:  dur.Seconds(),
		RPS:      float64(len(all)) / dur.Seconds(),
		P50us:    us(percentile(all, 50)),
		P99us:    us(percentile(all, 99)),
		Maxus:    us(all[len(all)-1]),
	}, nil
}

// get sends one request and reads the whole response, so that the
// connection is reused.
func get(client *http.Client, target string) error {
	resp, err := client.Get(target)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// percentile returns the p-th percentile (nearest rank) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
