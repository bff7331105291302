package registrytest

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

func nilLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// PagedTags serves only `/v2/` and the tag list of every repository, with the given tags, in
// pages of at most pageSize tags linked by `Link: <…>; rel="next"` headers, as large registries
// do. It counts the pages it served in *pages.
func PagedTags(tags []string, pageSize int, pages *atomic.Int32) http.Handler {
	sorted := append([]string(nil), tags...)
	sort.Strings(sorted)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		repo, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v2/"), "/tags/list")
		if !ok {
			http.NotFound(w, r)
			return
		}
		n := pageSize
		if q, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && q > 0 && q < n {
			n = q
		}
		start := sort.SearchStrings(sorted, r.URL.Query().Get("last"))
		if last := r.URL.Query().Get("last"); last != "" && start < len(sorted) && sorted[start] == last {
			start++
		}
		end := min(start+n, len(sorted))
		if end < len(sorted) {
			w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?n=%d&last=%s>; rel="next"`, repo, n, sorted[end-1]))
		}
		pages.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"name":%q,"tags":[%s]}`, repo, quoteAll(sorted[start:end]))
	})
}

// Malformed serves `/v2/` and answers every tag list with a body that is not JSON.
func Malformed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"app","tags":["1.0.0", <html>oops`))
	})
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ",")
}
