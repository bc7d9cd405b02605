// Command tlog-go checks a samtykke broker's consent log with Go's golang.org/x/mod/sumdb/tlog and
// sumdb/note, the reference implementation of the tiled logs C2SP tlog-tiles generalises: it opens
// the checkpoint with the log's verifier key, reads the hash tiles through tlog.TileHashReader
// (which checks every tile it reads against the signed tree), reads every public entry bundle,
// rebuilds the tree from the entries' record hashes and requires its root to be the checkpoint's.
//
// Usage: tlog-go BROKER_URL   (exit 0: verified; 1: a check failed; 2: usage or transport error)
//
// Built against Debian's golang-golang-x-mod-dev in GOPATH mode (scripts/install-system-packages):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run scripts/tlog-go/main.go URL
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8 // C2SP tlog-tiles: 256 hashes or entries a tile

var base string

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tlog-go: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	resp, err := http.Get(base + path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlog-go: %v\n", err)
		os.Exit(2)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "tlog-go: GET %s: %d %v\n", path, resp.StatusCode, err)
		os.Exit(2)
	}
	return body
}

// c2spPath is a tile's path under /v1/audit/tlog/: Go's sumdb path without the height, and
// `entries` for Go's data tiles; the index and width encodings are the same.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
	return "/v1/audit/tlog/tile/" + strings.Replace(p, "data/", "entries/", 1)
}

type tiles struct{}

func (tiles) Height() int { return height }

func (tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		out[i] = get(c2spPath(t))
	}
	return out, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlog-go BROKER_URL")
		os.Exit(2)
	}
	base = strings.TrimSuffix(os.Args[1], "/")
	verifier, err := note.NewVerifier(strings.TrimSpace(string(get("/v1/audit/log-key"))))
	if err != nil {
		fail("the log key is not a note verifier key: %v", err)
	}
	opened, err := note.Open(get("/v1/audit/tlog/checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("the checkpoint does not verify: %v", err)
	}
	// A C2SP checkpoint is Go's tree note (origin, size, root) under another origin line.
	lines := strings.SplitN(opened.Text, "\n", 2)
	if len(lines) != 2 {
		fail("the checkpoint has no body")
	}
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + lines[1]))
	if err != nil {
		fail("the checkpoint is not a tree head: %v", err)
	}

	// The hash tiles, each checked against the signed tree as it is read.
	root, err := tlog.TreeHash(tree.N, tlog.TileHashReader(tree, tiles{}))
	if err != nil || root != tree.Hash {
		fail("the hash tiles do not give the checkpoint's root: %v", err)
	}

	// The entries: every bundle split into its length-prefixed leaves, the tree rebuilt from them.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored yet", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	var n int64
	for bundle := int64(0); n < tree.N; bundle++ {
		width := tree.N - bundle*(1<<height)
		if width > 1<<height {
			width = 1 << height
		}
		data := get(c2spPath(tlog.Tile{H: height, L: -1, N: bundle, W: int(width)}))
		for len(data) > 0 {
			if len(data) < 2 || len(data) < 2+int(data[0])<<8|int(data[1]) {
				fail("entry bundle %d is cut short", bundle)
			}
			size := int(data[0])<<8 | int(data[1])
			entry := data[2 : 2+size]
			data = data[2+size:]
			if !bytes.HasPrefix(entry, []byte("{")) {
				fail("entry %d is not JSON", n)
			}
			hashes, err := tlog.StoredHashesForRecordHash(n, tlog.RecordHash(entry), reader)
			if err != nil {
				fail("entry %d: %v", n, err)
			}
			stored = append(stored, hashes...)
			n++
		}
	}
	if n != tree.N {
		fail("the bundles hold %d entries, the checkpoint %d", n, tree.N)
	}
	rebuilt, err := tlog.TreeHash(n, reader)
	if err != nil || rebuilt != tree.Hash {
		fail("the entries do not rebuild the checkpoint's root")
	}
	fmt.Printf("tlog-go: %d entries rebuild root %s, signed by %s\n", n, tree.Hash, verifier.Name())
}
