//line /ssaweave/testdata/around_value.go:1:1
package http

//line /ssaweave/testdata/around_value.go:3:1
import "fmt"

//line /ssaweave/testdata/around_value.go:1:1
import _ "unsafe"

// Request is a stand-in for net/http.Request.
//
//line /ssaweave/testdata/around_value.go:6:1
type Request struct{ URL string }

// ResponseWriter is a stand-in for net/http.ResponseWriter.
//
//line /ssaweave/testdata/around_value.go:9:1
type ResponseWriter interface{ Write([]byte) (int, error) }

// Handler responds to a request.
//
//line /ssaweave/testdata/around_value.go:12:1
type Handler interface {
	ServeHTTP(ResponseWriter, *Request)
}

//line /ssaweave/testdata/around_value.go:16:1
type serverHandler struct{ handler Handler }

// ServeHTTP delegates to the handler.
//
//line /ssaweave/testdata/around_value.go:19:1
func (sh serverHandler) ServeHTTP(rw ResponseWriter, req *Request) { /*line /ssaweave/testdata/around_value.go:18:1*/
	if h := ssaweaveHook_serverHandler_ServeHTTP; h != nil { /*line /ssaweave/testdata/around_value.go:18:1*/
		h(rw, req, sh.ssaweaveOrig_ServeHTTP) /*line /ssaweave/testdata/around_value.go:18:1*/
		return
	} /*line /ssaweave/testdata/around_value.go:18:1*/
	sh.ssaweaveOrig_ServeHTTP(rw, req) /*line /ssaweave/testdata/around_value.go:18:1*/
}

//go:linkname ssaweaveHook_serverHandler_ServeHTTP
//line /ssaweave/testdata/around_value.go:19:1
var ssaweaveHook_serverHandler_ServeHTTP func(rw ResponseWriter, req *Request, next func(ResponseWriter, *Request))

//line /ssaweave/testdata/around_value.go:19:1
func (sh serverHandler) ssaweaveOrig_ServeHTTP(rw ResponseWriter, req *Request) {
	/*line /ssaweave/testdata/around_value.go:19:1*/
	handler := sh.handler
	/*line /ssaweave/testdata/around_value.go:20:1*/
	if handler == nil {
		fmt.Fprintf(rw, "no handler for %s", req.URL)
		return
	}
	/*line /ssaweave/testdata/around_value.go:24:1*/
	handler.ServeHTTP(rw, req) /*line /ssaweave/testdata/around_value.go:25:1*/
}
