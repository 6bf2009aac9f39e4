package fetch

import "net/http"

// decode is in a file that is not ignored (and comes after the ignored
// one, so that an ignore leaking into the next file shows), but only Fetch
// calls it.
//
//ssaweave:span
func decode(resp *http.Response) (int, error) {
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// Status asks for a span and is called from main: the ignore of the
// other file of the package does not reach it.
//
//ssaweave:span
func Status(code int) string { return http.StatusText(code) }
