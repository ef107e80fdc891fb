package visitor

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// This file writes tiny MaxMind DB files for tests (maxminddb-golang has no
// writer). It follows the MaxMind DB format spec 2.0: a binary search tree of
// 24-bit records over 128-bit addresses (IPv4 at ::a.b.c.d), 16 zero bytes,
// the data section, then the metadata map after "\xAB\xCD\xEFMaxMind.com".

type (
	mmU16 uint16
	mmU32 uint32
	mmU64 uint64
)

type mmNode struct{ rec [2]mmRec }

type mmRec struct {
	child *mmNode
	data  int // offset in the data section + 1; 0 = empty
}

// writeTestMMDB writes records (prefix -> map) to a file and returns its path.
func writeTestMMDB(t *testing.T, dbType string, records map[string]map[string]any) string {
	t.Helper()
	root := &mmNode{}
	var data bytes.Buffer
	keys := make([]string, 0, len(records))
	for k := range records {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		off := data.Len()
		mmEncode(&data, records[k])
		mmInsert(root, netip.MustParsePrefix(k), off)
	}
	nodes := mmNumber(root)
	var out bytes.Buffer
	count := len(nodes)
	index := make(map[*mmNode]int, count)
	for i, n := range nodes {
		index[n] = i
	}
	for _, n := range nodes {
		for _, r := range n.rec {
			v := count // empty
			switch {
			case r.child != nil:
				v = index[r.child]
			case r.data > 0:
				v = count + 16 + r.data - 1
			}
			out.Write([]byte{byte(v >> 16), byte(v >> 8), byte(v)})
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data.Bytes())
	out.WriteString("\xAB\xCD\xEFMaxMind.com")
	mmEncode(&out, map[string]any{
		"node_count": mmU32(count), "record_size": mmU16(24), "ip_version": mmU16(6),
		"database_type": dbType, "languages": []any{"en"},
		"binary_format_major_version": mmU16(2), "binary_format_minor_version": mmU16(0),
		"build_epoch": mmU64(1700000000), "description": map[string]any{"en": "kite test"},
	})
	path := filepath.Join(t.TempDir(), dbType+".mmdb")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mmInsert(root *mmNode, p netip.Prefix, off int) {
	var addr [16]byte
	bits := p.Bits()
	if p.Addr().Is4() {
		a4 := p.Addr().As4()
		copy(addr[12:], a4[:])
		bits += 96
	} else {
		addr = p.Addr().As16()
	}
	n := root
	for d := 0; d < bits; d++ {
		bit := (addr[d/8] >> (7 - d%8)) & 1
		if d == bits-1 {
			n.rec[bit] = mmRec{data: off + 1}
			return
		}
		if n.rec[bit].child == nil {
			n.rec[bit] = mmRec{child: &mmNode{}}
		}
		n = n.rec[bit].child
	}
}

// mmNumber lists nodes breadth-first; the root must be node 0.
func mmNumber(root *mmNode) []*mmNode {
	nodes := []*mmNode{root}
	for i := 0; i < len(nodes); i++ {
		for _, r := range nodes[i].rec {
			if r.child != nil {
				nodes = append(nodes, r.child)
			}
		}
	}
	return nodes
}

func mmCtrl(w *bytes.Buffer, typ, size int) {
	var first byte
	if typ <= 7 {
		first = byte(typ << 5)
	}
	var ext []byte
	switch {
	case size < 29:
		first |= byte(size)
	case size < 285:
		first |= 29
		ext = []byte{byte(size - 29)}
	default:
		first |= 30
		ext = []byte{byte((size - 285) >> 8), byte(size - 285)}
	}
	w.WriteByte(first)
	if typ > 7 {
		w.WriteByte(byte(typ - 7))
	}
	w.Write(ext)
}

func mmUint(w *bytes.Buffer, typ int, v uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	s := bytes.TrimLeft(b[:], "\x00")
	mmCtrl(w, typ, len(s))
	w.Write(s)
}

func mmEncode(w *bytes.Buffer, v any) {
	switch v := v.(type) {
	case string:
		mmCtrl(w, 2, len(v))
		w.WriteString(v)
	case mmU16:
		mmUint(w, 5, uint64(v))
	case mmU32:
		mmUint(w, 6, uint64(v))
	case int:
		mmUint(w, 6, uint64(v))
	case mmU64:
		mmUint(w, 9, uint64(v))
	case bool:
		b := 0
		if v {
			b = 1
		}
		mmCtrl(w, 14, b)
	case []any:
		mmCtrl(w, 11, len(v))
		for _, x := range v {
			mmEncode(w, x)
		}
	case map[string]any:
		mmCtrl(w, 7, len(v))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			mmEncode(w, k)
			mmEncode(w, v[k])
		}
	default:
		panic("mmEncode: unsupported type")
	}
}
