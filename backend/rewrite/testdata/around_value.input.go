package http

import "fmt"

// Request is a stand-in for net/http.Request.
type Request struct{ URL string }

// ResponseWriter is a stand-in for net/http.ResponseWriter.
type ResponseWriter interface{ Write([]byte) (int, error) }

// Handler responds to a request.
type Handler interface {
	ServeHTTP(ResponseWriter, *Request)
}

type serverHandler struct{ handler Handler }

// ServeHTTP delegates to the handler.
func (sh serverHandler) ServeHTTP(rw ResponseWriter, req *Request) {
	handler := sh.handler
	if handler == nil {
		fmt.Fprintf(rw, "no handler for %s", req.URL)
		return
	}
	handler.ServeHTTP(rw, req)
}
