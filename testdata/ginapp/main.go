// Command ginapp is a gin service with no tracing code of its own (in the
// default build): a parameterised route, a route group with a catch-all
// parameter, a route that panics under gin's Recovery, and gin's 404.
// ssaweave weaves the server span and names it after the gin route.
//
// The build tags manual and otelgin make the hand-instrumented variants the
// end-to-end tests compare the woven spans with: otelhttp around the engine
// plus the route set by hand (manual.go), and the contrib otelgin
// middleware (otelgin.go).
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func newEngine(middleware ...gin.HandlerFunc) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(middleware...)
	e.Use(gin.Recovery())
	e.GET("/users/:id", func(c *gin.Context) {
		c.String(http.StatusOK, "user %s\n", c.Param("id"))
	})
	v1 := e.Group("/api/v1")
	{
		v1.GET("/orders/:order/items/*path", func(c *gin.Context) {
			c.JSON(http.StatusOK, gin.H{"order": c.Param("order"), "path": c.Param("path")})
		})
		v1.POST("/orders", func(c *gin.Context) { c.Status(http.StatusCreated) })
	}
	e.GET("/boom", func(c *gin.Context) { panic("handler bug") })
	return e
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	log.Printf("listening on %s", addr)
	log.Fatal(serve(addr))
}
