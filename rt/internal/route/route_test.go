package route

import (
	"context"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

func TestRecordAndOf(t *testing.T) {
	if Labeler(context.Background()) != nil || Of(context.Background()) != "" {
		t.Fatal("a context without a Labeler has neither Labeler nor route")
	}
	l := &otelhttp.Labeler{}
	ctx := otelhttp.ContextWithLabeler(context.Background(), l)
	if Labeler(ctx) != l {
		t.Fatal("Labeler did not find the context's Labeler")
	}
	Record(l, "")
	Record(nil, "/ignored")
	if n := len(l.Get()); n != 0 {
		t.Errorf("empty route or nil Labeler recorded %d attributes", n)
	}
	Record(l, "/inner")
	Record(l, "/outer")
	Record(l, "/outer")
	if got := Of(ctx); got != "/outer" {
		t.Errorf("Of = %q, want the last report /outer", got)
	}
	if n := len(l.Get()); n != 2 {
		t.Errorf("labeler holds %d attributes, want 2 (a repeated report is dropped)", n)
	}
}

func TestSpanName(t *testing.T) {
	for _, c := range []struct{ method, route, want string }{
		{"GET", "/users/:id", "GET /users/:id"},
		{"get", "/users/:id", "GET /users/:id"},
		{"PURGE", "/x", "HTTP /x"},
		{"", "/x", "HTTP /x"},
		{"DELETE", "", "DELETE"},
	} {
		if got := SpanName(c.method, c.route); got != c.want {
			t.Errorf("SpanName(%q, %q) = %q, want %q", c.method, c.route, got, c.want)
		}
	}
}
