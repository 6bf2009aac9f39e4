// Command redisapp is an HTTP service that keeps its data in Redis, with
// go-redis. It talks to the redis-server at REDIS_ADDR through the three
// kinds of client most programs use:
//
//   - GET /kv: a plain client (redis.NewClient): SET, GET, and a pipeline
//     (INCR and EXPIRE);
//   - GET /missing: a GET of a key that does not exist (redis.Nil);
//   - GET /cluster: a cluster client (redis.NewClusterClient) whose one
//     "node" is the same server, declared with ClusterSlots, as for a
//     server that is not in cluster mode: SET and GET;
//   - GET /ring: a ring client (redis.NewRing) with that server as its one
//     shard: SET and GET.
//
// With REDIS_SENTINEL set it would use a Sentinel failover client instead
// of the plain one (redis.NewFailoverClient); the tests only plan that path.
//
// Built plainly it has no instrumentation; built with the "manual" tag it
// instruments itself by hand with redisotel and otelhttp (manual.go), which
// is what ssaweave's woven spans are compared with. SIGTERM stops it
// gracefully and main returns.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

type app struct {
	client  redis.UniversalClient
	cluster *redis.ClusterClient
	ring    *redis.Ring
}

func main() {
	inst := setup()
	addr := os.Getenv("REDIS_ADDR")
	a := &app{
		cluster: redis.NewClusterClient(&redis.ClusterOptions{
			ClusterSlots: func(context.Context) ([]redis.ClusterSlot, error) {
				return []redis.ClusterSlot{{Start: 0, End: 16383, Nodes: []redis.ClusterNode{{Addr: addr}}}}, nil
			},
		}),
		ring: redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"shard1": addr}}),
	}
	if sentinel := os.Getenv("REDIS_SENTINEL"); sentinel != "" {
		a.client = redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{sentinel}})
	} else {
		a.client = redis.NewClient(&redis.Options{Addr: addr})
	}
	for _, c := range []redis.UniversalClient{a.client, a.cluster, a.ring} {
		inst.instrument(c)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /kv", a.kv)
	mux.HandleFunc("GET /missing", a.missing)
	mux.HandleFunc("GET /cluster", a.onCluster)
	mux.HandleFunc("GET /ring", a.onRing)

	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: inst.handler(mux)}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	closed := make(chan struct{})
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
		close(closed)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-closed
	for _, c := range []redis.UniversalClient{a.client, a.cluster, a.ring} {
		c.Close()
	}
	inst.cleanup()
}

// instrumentation is what manual.go adds to the program; plain.go adds
// nothing.
type instrumentation struct {
	instrument func(redis.UniversalClient)
	handler    func(http.Handler) http.Handler
	cleanup    func()
}

func fail(w http.ResponseWriter, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// kv sets and reads a key, then counts the visit in a pipeline.
func (a *app) kv(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := a.client.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
		fail(w, err)
		return
	}
	v, err := a.client.Get(ctx, "greeting").Result()
	if err != nil {
		fail(w, err)
		return
	}
	pipe := a.client.Pipeline()
	visits := pipe.Incr(ctx, "visits")
	pipe.Expire(ctx, "visits", time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		fail(w, err)
		return
	}
	fmt.Fprintf(w, "%s, visit %d\n", v, visits.Val())
}

// missing reads a key that is not there: redis.Nil, which is not a
// failure.
func (a *app) missing(w http.ResponseWriter, r *http.Request) {
	err := a.client.Get(r.Context(), "no-such-key").Err()
	if !errors.Is(err, redis.Nil) {
		fail(w, fmt.Errorf("GET no-such-key: %v, want redis.Nil", err))
		return
	}
	http.Error(w, "no such key", http.StatusNotFound)
}

// setGet writes and reads a key through c.
func setGet(w http.ResponseWriter, r *http.Request, c redis.UniversalClient, key string) {
	if err := c.Set(r.Context(), key, "v", 0).Err(); err != nil {
		fail(w, err)
		return
	}
	v, err := c.Get(r.Context(), key).Result()
	if err != nil {
		fail(w, err)
		return
	}
	fmt.Fprintln(w, v)
}

func (a *app) onCluster(w http.ResponseWriter, r *http.Request) {
	setGet(w, r, a.cluster, "cluster-key")
}
func (a *app) onRing(w http.ResponseWriter, r *http.Request) { setGet(w, r, a.ring, "ring-key") }
