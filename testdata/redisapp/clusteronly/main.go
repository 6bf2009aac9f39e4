// Command clusteronly makes only a cluster client, so that its plan shows
// how go-redis's node clients are reached: through
// ClusterOptions.NewClient, which defaults to redis.NewClient.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"
)

func main() {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{os.Getenv("REDIS_ADDR")}})
	defer c.Close()
	fmt.Println(c.Ping(context.Background()).Err())
}
