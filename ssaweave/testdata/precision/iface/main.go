// Command iface dispatches through two interfaces, each with two
// implementations that the program converts to interfaces. Only the
// in-memory ones are ever stored where the calls read them: the HTTP
// fetcher and the SQL store are only printed. RTA counts every
// implementation whose type is converted to an interface as a callee of
// every call of that interface's methods; VTA follows which values reach
// each call.
package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
)

// Fetcher gets a document.
type Fetcher interface {
	Fetch(url string) (string, error)
}

// Store keeps documents.
type Store interface{ Put(key, doc string) error }

type httpFetcher struct{ client *http.Client }

//ssaweave:span
func (f httpFetcher) Fetch(url string) (string, error) {
	resp, err := f.client.Get(url)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Status, nil
}

func (httpFetcher) String() string { return "http fetcher" }

type memFetcher map[string]string

//ssaweave:span
func (m memFetcher) Fetch(url string) (string, error) { return m[url], nil }

type sqlStore struct{ dsn string }

//ssaweave:span
func (s sqlStore) Put(key, doc string) error {
	db, err := sql.Open("none", s.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("insert into docs values (?, ?)", key, doc)
	return err
}

type memStore map[string]string

//ssaweave:span
func (m memStore) Put(key, doc string) error { m[key] = doc; return nil }

func main() {
	var f Fetcher = memFetcher{"a": "alpha"}
	var s Store = memStore{}
	// Both remote implementations become runtime types here, and nowhere
	// else: they are printed, not used.
	fmt.Println("available:", httpFetcher{}, sqlStore{})
	for _, url := range os.Args[1:] {
		doc, err := f.Fetch(url)
		if err == nil {
			err = s.Put(url, doc)
		}
		fmt.Println(url, err)
	}
}
