// The Go floor of bench/process.mjs: a whole process that parses every line of a JSON-lines file with
// valyala/fastjson and reads the 9 fields most rules look at, with no rules. kawa's whole-process figures
// are compared with it (issue 17). Build (Debian's golang-go and golang-github-valyala-fastjson-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o bench/out/go-floor ./bench/go-floor
//	bench/out/go-floor FILE
//
// Prints lines, parsed, failed (lines that are not JSON: CloudWatch-truncated events) and a checksum of the
// field lengths, so that nothing is optimized away.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/valyala/fastjson"
)

var fields = [][]string{
	{"auditID"}, {"verb"}, {"stage"}, {"requestURI"}, {"stageTimestamp"},
	{"user", "username"}, {"objectRef", "resource"}, {"objectRef", "subresource"}, {"objectRef", "namespace"},
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-floor FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var p fastjson.Parser
	lines, parsed, failed, sum := 0, 0, 0, 0
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// a line longer than the buffer: gather it whole
			whole := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = r.ReadSlice('\n')
				whole = append(whole, line...)
			}
			line = whole
		}
		if len(line) > 0 {
			lines++
			v, perr := p.ParseBytes(line)
			if perr != nil {
				failed++
			} else {
				parsed++
				for _, path := range fields {
					sum += len(v.GetStringBytes(path...))
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d %d %d %d\n", lines, parsed, failed, sum)
}
